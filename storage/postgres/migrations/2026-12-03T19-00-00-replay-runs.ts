import { sql, type Kysely } from 'kysely'

/**
 * Replay runs and, while a run lasts, its rows (deleted when it ends: the output files keep
 * them). One unfinished run per client, file and mode, so that running the same command again
 * resumes it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE replay_run (
      id uuid PRIMARY KEY,
      client text NOT NULL,
      dry_run boolean NOT NULL,
      status text NOT NULL
        CHECK (status IN ('validating', 'firing', 'writing', 'completed', 'refused', 'failed')),
      token text NOT NULL UNIQUE,
      file_store_id uuid NOT NULL,
      file_sha256 text NOT NULL,
      client_config json NOT NULL, -- json keeps the mapping's order
      source_run_id uuid,
      max_exception_rate numeric NOT NULL,
      forced boolean NOT NULL,
      rate_per_second integer,
      rows integer NOT NULL DEFAULT 0,
      valid integer NOT NULL DEFAULT 0,
      warnings integer NOT NULL DEFAULT 0,
      exceptions integer NOT NULL DEFAULT 0,
      fired integer NOT NULL DEFAULT 0,
      succeeded integer NOT NULL DEFAULT 0,
      failed integer NOT NULL DEFAULT 0,
      from_date text,
      to_date text,
      outputs jsonb,
      error text,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL,
      finished_at timestamptz,
      published_at timestamptz
    )`.execute(db)
  await sql`CREATE UNIQUE INDEX replay_run_unfinished ON replay_run (client, file_sha256, dry_run)
    WHERE status IN ('validating', 'firing', 'writing')`.execute(db)
  await sql`CREATE INDEX replay_run_created ON replay_run (created_at DESC, id DESC)`.execute(db)
  await sql`
    CREATE TABLE replay_row (
      run_id uuid NOT NULL REFERENCES replay_run (id) ON DELETE CASCADE,
      row integer NOT NULL,
      status text NOT NULL CHECK (status IN ('valid', 'exception', 'succeeded', 'failed')),
      payload json, -- json keeps the fields in the mapping's order
      notes jsonb NOT NULL,
      event_date text,
      attempts integer NOT NULL DEFAULT 0,
      http_status integer,
      elapsed_ms integer,
      response text,
      PRIMARY KEY (run_id, row)
    )`.execute(db)
  await sql`CREATE INDEX replay_row_waiting ON replay_row (run_id, row) WHERE status = 'valid'`.execute(
    db,
  )
}

/** Drops the tables. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE replay_row`.execute(db)
  await sql`DROP TABLE replay_run`.execute(db)
}
