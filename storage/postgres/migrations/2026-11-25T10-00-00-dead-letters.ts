import { sql, type Kysely } from 'kysely'

/**
 * Dead letters are kept in Postgres too: Redis is the transport, and a Redis that restarts
 * empty must not lose the list of entries that were given up on (`rebuild` restores it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE dead_letter (
      seq bigint GENERATED ALWAYS AS IDENTITY,
      stream text NOT NULL,
      source_id text NOT NULL,
      fields jsonb NOT NULL,
      error text NOT NULL,
      actor text NOT NULL,
      attempts integer NOT NULL,
      dead_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (stream, source_id)
    )`.execute(db)
  await sql`CREATE UNIQUE INDEX dead_letter_stream_seq ON dead_letter (stream, seq)`.execute(db)
}

/** Drops the table. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE dead_letter`.execute(db)
}
