import { sql, type Kysely } from 'kysely'

/**
 * A user's total in a campaign stays at or under 2^53 − 1 minor units (`MAX_TOTAL_MINOR`), so
 * that the leaderboard's scores (doubles) hold every total exactly. NOT VALID: rows already
 * stored are not checked (no table scan); every insert and update is.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE purchase_total ADD CONSTRAINT purchase_total_within_maximum
    CHECK (total_minor <= 9007199254740991) NOT VALID`.execute(db)
}

/** Drops the constraint. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE purchase_total DROP CONSTRAINT purchase_total_within_maximum`.execute(db)
}
