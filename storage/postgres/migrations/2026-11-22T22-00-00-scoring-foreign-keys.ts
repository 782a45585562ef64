import { sql, type Kysely } from 'kysely'

/**
 * Scored purchases and totals lose their row-level foreign key to `campaign`: its check cost
 * about 5 µs a row, a quarter of Postgres's time per purchase. reduce-to-leaderboard checks the
 * campaign of every purchase itself and dead-letters those of no purchase campaign; campaigns
 * are never deleted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE scored_purchase DROP CONSTRAINT scored_purchase_campaign_id_fkey`.execute(
    db,
  )
  await sql`ALTER TABLE purchase_total DROP CONSTRAINT purchase_total_campaign_id_fkey`.execute(db)
}

/** Restores both foreign keys. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE scored_purchase ADD CONSTRAINT scored_purchase_campaign_id_fkey
      FOREIGN KEY (campaign_id) REFERENCES campaign (id)`.execute(db)
  await sql`
    ALTER TABLE purchase_total ADD CONSTRAINT purchase_total_campaign_id_fkey
      FOREIGN KEY (campaign_id) REFERENCES campaign (id)`.execute(db)
}
