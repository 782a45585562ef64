import { sql, type Kysely } from 'kysely'

/**
 * The file's line each row error's row starts on (the row number skips the header and blank
 * lines, the line does not). Errors stored before have none. Nullable without a default: no
 * table rewrite.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE upload_error ADD COLUMN line integer`.execute(db)
}

/** Drops the column. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE upload_error DROP COLUMN line`.execute(db)
}
