import { sql, type Kysely } from 'kysely'

/**
 * When an outreach campaign was paused, and by whom: while `paused_at` is set no task of it is
 * released or called. Nullable columns without a default: no table rewrite.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE campaign ADD COLUMN paused_at timestamptz, ADD COLUMN paused_by text`.execute(
    db,
  )
}

/** Drops the columns. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE campaign DROP COLUMN paused_at, DROP COLUMN paused_by`.execute(db)
}
