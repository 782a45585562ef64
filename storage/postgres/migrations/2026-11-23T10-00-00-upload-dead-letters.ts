import { sql, type Kysely } from 'kysely'

/**
 * An upload whose queue entry went to the dead-letter stream is `failed` with the reason, but
 * may be processed again when an operator replays that dead letter: `dead_lettered` tells such
 * a failure from a final one (a malformed file, a revoked campaign).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE upload_request ADD COLUMN dead_lettered boolean NOT NULL DEFAULT false`.execute(
    db,
  )
}

/** Drops the column. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE upload_request DROP COLUMN dead_lettered`.execute(db)
}
