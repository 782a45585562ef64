import { sql, type Kysely } from 'kysely'

/**
 * How many rows of a file job (an upload, a do-not-call import) are stored so far, so that its
 * status shows progress while a big file is processed. A constant default: no table rewrite.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE upload_request ADD COLUMN rows_read integer NOT NULL DEFAULT 0`.execute(db)
  await sql`ALTER TABLE do_not_call_import ADD COLUMN rows_read integer NOT NULL DEFAULT 0`.execute(
    db,
  )
}

/** Drops the columns. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE do_not_call_import DROP COLUMN rows_read`.execute(db)
  await sql`ALTER TABLE upload_request DROP COLUMN rows_read`.execute(db)
}
