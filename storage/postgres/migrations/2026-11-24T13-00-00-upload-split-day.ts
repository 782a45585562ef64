import { sql, type Kysely } from 'kysely'

/**
 * The campaign day on which an upload was split (in the campaign's zone): that day's tasks of
 * its records are the ones upload-split made, for the slots not yet over. The day's own creation
 * (its 00:00 timer, late when the campaign was created that day or after `rebuild`) leaves those
 * records alone, or it would give them tasks for slots that ended before they were uploaded.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE upload_request ADD COLUMN split_day date`.execute(db)
}

/** Drops the column. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE upload_request DROP COLUMN split_day`.execute(db)
}
