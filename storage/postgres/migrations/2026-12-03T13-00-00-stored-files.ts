import { sql, type Kysely } from 'kysely'

/**
 * The filestore's catalogue: one row per file kept for a caller or made by a job (a factory's
 * annotated sheet, a template, a report, a replay output), with what identifies its bytes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE stored_file (
      id uuid PRIMARY KEY,
      file_key text NOT NULL UNIQUE,
      name text NOT NULL,
      content_type text NOT NULL,
      bytes bigint NOT NULL,
      sha256 text NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
}

/** Drops the table (the files stay in the directory until the orphan sweep). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE stored_file`.execute(db)
}
