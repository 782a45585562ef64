import { sql, type Kysely } from 'kysely'

/** A template run now asked for again with the same `Idempotency-Key` is the job first made. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE report_job_mapping ADD COLUMN idempotency_key text`.execute(db)
  await sql`CREATE UNIQUE INDEX report_job_mapping_idempotency
    ON report_job_mapping (template_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL`.execute(db)
}

/** Drops the key. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX report_job_mapping_idempotency`.execute(db)
  await sql`ALTER TABLE report_job_mapping DROP COLUMN idempotency_key`.execute(db)
}
