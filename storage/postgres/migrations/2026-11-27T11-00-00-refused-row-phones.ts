import { sql, type Kysely } from 'kysely'

/**
 * The phone of a row error whose phone was valid (a duplicate, a number on the do-not-call list,
 * a bad `scheduled_time`), so that the contact view can tell why a number was left out. Rows
 * stored before have none. A nullable column without a default: no table rewrite.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE upload_error ADD COLUMN phone text`.execute(db)
  await sql`CREATE INDEX upload_error_phone ON upload_error (phone) WHERE phone IS NOT NULL`.execute(
    db,
  )
}

/** Drops the column and its index. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE upload_error DROP COLUMN phone`.execute(db)
}
