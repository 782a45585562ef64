import { sql, type Kysely } from 'kysely'

/**
 * A replay client's template: the columns of the CSV its people fill in, in order (null: the
 * mapped columns). Mapped columns must be among them; a file with another column is refused.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE replay_client ADD COLUMN columns json`.execute(db)
}

/** Drops the column. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE replay_client DROP COLUMN columns`.execute(db)
}
