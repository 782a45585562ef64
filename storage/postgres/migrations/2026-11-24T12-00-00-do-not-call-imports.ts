import { sql, type Kysely } from 'kysely'

/**
 * Do-not-call lists are imported in the background like uploads: a file is accepted at once
 * (202) and its numbers are added by upload-split. Each number keeps the import that first
 * listed it, so an import run again after a crash counts the same numbers as added.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE do_not_call_import (
      id uuid PRIMARY KEY,
      status text NOT NULL DEFAULT 'accepted',
      file_key text NOT NULL,
      bytes bigint NOT NULL,
      total integer NOT NULL DEFAULT 0,
      added integer NOT NULL DEFAULT 0,
      invalid integer NOT NULL DEFAULT 0,
      invalid_rows jsonb NOT NULL DEFAULT '[]',
      error text,
      dead_lettered boolean NOT NULL DEFAULT false,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz
    )`.execute(db)
  await sql`ALTER TABLE do_not_call ADD COLUMN import_id uuid`.execute(db)
  await sql`CREATE INDEX do_not_call_import_id ON do_not_call (import_id) WHERE import_id IS NOT NULL`.execute(
    db,
  )
}

/** Drops the table and the column. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE do_not_call DROP COLUMN import_id`.execute(db)
  await sql`DROP TABLE do_not_call_import`.execute(db)
}
