import { sql, type Kysely } from 'kysely'

/**
 * When a contacts upload was withdrawn (the wrong file, say): its tasks waiting for a call were
 * cancelled, and no later day, retrigger or executor gives its records a call.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE upload_request ADD COLUMN withdrawn_at timestamptz`.execute(db)
}

/** Drops the column. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE upload_request DROP COLUMN withdrawn_at`.execute(db)
}
