import { sql, type Kysely } from 'kysely'

/** Report schedules: when a template runs, in which zone; paused or not. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE report_schedule (
      id uuid PRIMARY KEY,
      template_id uuid NOT NULL REFERENCES report_template (id) ON DELETE CASCADE,
      owner text NOT NULL,
      spec jsonb NOT NULL,
      timezone text NOT NULL,
      next_run_at timestamptz NOT NULL,
      last_run_at timestamptz,
      paused_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  await sql`CREATE INDEX report_schedule_template ON report_schedule (template_id)`.execute(db)
  await sql`CREATE INDEX report_schedule_owner ON report_schedule (owner, created_at)`.execute(db)
}

/** Drops the table. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE report_schedule`.execute(db)
}
