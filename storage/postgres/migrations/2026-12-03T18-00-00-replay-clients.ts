import { sql, type Kysely } from 'kysely'

/** Replay clients: where a client's rows are fired, with which token and column mapping. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE replay_client (
      name text PRIMARY KEY,
      account_token text NOT NULL,
      token_field text NOT NULL,
      target_url text NOT NULL,
      method text NOT NULL CHECK (method IN ('GET', 'POST')),
      mapping json NOT NULL, -- json, not jsonb: the mapping's order is the order of the fields
      rate_per_second integer NOT NULL,
      timeout_ms integer NOT NULL,
      max_attempts integer NOT NULL,
      updated_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
}

/** Drops the table. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE replay_client`.execute(db)
}
