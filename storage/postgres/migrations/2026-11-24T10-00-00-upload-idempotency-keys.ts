import { sql, type Kysely } from 'kysely'

/**
 * The `Idempotency-Key` a client sent with an upload: a retry with the same key (after a lost
 * answer, say) finds the upload made the first time instead of making a second one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE upload_request ADD COLUMN idempotency_key text`.execute(db)
  await sql`
    CREATE UNIQUE INDEX upload_request_idempotency_key ON upload_request (campaign_id, idempotency_key)
      WHERE idempotency_key IS NOT NULL`.execute(db)
}

/** Drops the column and its index. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE upload_request DROP COLUMN idempotency_key`.execute(db)
}
