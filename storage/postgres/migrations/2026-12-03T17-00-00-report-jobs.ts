import { sql, type Kysely } from 'kysely'

/**
 * The byte order mark option of CSV reports; job requests (the self-service reports' runs, `batch_type_id` 4) and the mapping of a
 * template's runs to them, unique per schedule and scheduled instant: however many schedulers
 * fire a schedule for an instant, one job is requested.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE report_template ADD COLUMN bom boolean NOT NULL DEFAULT false`.execute(db)
  await sql`
    CREATE TABLE job_requests (
      id uuid PRIMARY KEY,
      batch_type_id smallint NOT NULL,
      owner text NOT NULL,
      template_id uuid,
      job_input jsonb NOT NULL,
      status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      heartbeat_at timestamptz,
      requeued_at timestamptz,
      rows_written bigint NOT NULL DEFAULT 0,
      part_files uuid[] NOT NULL DEFAULT '{}',
      error text,
      job_output jsonb,
      created_at timestamptz NOT NULL,
      started_at timestamptz,
      finished_at timestamptz,
      expires_at timestamptz,
      pruned_at timestamptz
    )`.execute(db)
  await sql`CREATE INDEX job_requests_owner ON job_requests (batch_type_id, owner, created_at DESC)`.execute(
    db,
  )
  await sql`CREATE INDEX job_requests_template ON job_requests (template_id, created_at DESC)`.execute(
    db,
  )
  await sql`CREATE INDEX job_requests_unfinished ON job_requests (status, heartbeat_at)
    WHERE status IN ('queued', 'running')`.execute(db)
  await sql`CREATE INDEX job_requests_expiring ON job_requests (expires_at)
    WHERE pruned_at IS NULL AND expires_at IS NOT NULL`.execute(db)
  await sql`
    CREATE TABLE report_job_mapping (
      job_request_id uuid PRIMARY KEY
        REFERENCES job_requests (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
      template_id uuid NOT NULL,
      schedule_id uuid REFERENCES report_schedule (id) ON DELETE SET NULL,
      schedule_date timestamptz NOT NULL
    )`.execute(db)
  await sql`CREATE UNIQUE INDEX report_job_mapping_once
    ON report_job_mapping (schedule_id, schedule_date)`.execute(db)
}

/** Drops the tables. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE report_job_mapping`.execute(db)
  await sql`DROP TABLE job_requests`.execute(db)
  await sql`ALTER TABLE report_template DROP COLUMN bom`.execute(db)
}
