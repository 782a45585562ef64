import { sql, type Kysely } from 'kysely'

/** A run asked for again with the caller's same `Idempotency-Key` is the run first made. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE replay_run ADD COLUMN idempotency_key text`.execute(db)
  await sql`CREATE UNIQUE INDEX replay_run_idempotency ON replay_run (created_by, idempotency_key)
    WHERE idempotency_key IS NOT NULL`.execute(db)
}

/** Drops the key. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX replay_run_idempotency`.execute(db)
  await sql`ALTER TABLE replay_run DROP COLUMN idempotency_key`.execute(db)
}
