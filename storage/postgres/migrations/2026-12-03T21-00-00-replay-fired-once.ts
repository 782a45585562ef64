import { sql, type Kysely } from 'kysely'

/**
 * A dry run is fired once: at most one live run comes from it. Runs by their upload, to tell
 * when an upload is no longer needed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE UNIQUE INDEX replay_run_source ON replay_run (source_run_id)
    WHERE source_run_id IS NOT NULL`.execute(db)
  await sql`CREATE INDEX replay_run_file ON replay_run (file_store_id)`.execute(db)
}

/** Drops the indexes. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX replay_run_file`.execute(db)
  await sql`DROP INDEX replay_run_source`.execute(db)
}
