import { sql, type Kysely } from 'kysely'

/**
 * Indexes that keep a retrigger and the dashboard from reading a whole day's or campaign's rows:
 *
 * - `flow_task_retriggered` now holds every retriggered task, whatever its status, instead of
 *   only those still waiting: the dashboard asks whether a day was retriggered, and without it
 *   scanned all the day's tasks (2,000,000 in 0.7 s) on every request. Tasks are inserted with
 *   `retriggered` false, so uploads never write to it.
 * - `task_attempt_open` holds the calls that have not reported: a retrigger is refused while
 *   the campaign has one, and finding none read every attempt the campaign ever made.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX flow_task_retriggered`.execute(db)
  await sql`
    CREATE INDEX flow_task_retriggered ON flow_task (campaign_id, task_date, slot)
      WHERE retriggered`.execute(db)
  await sql`CREATE INDEX task_attempt_open ON task_attempt (campaign_id) WHERE ended_at IS NULL`.execute(
    db,
  )
}

/** Back to the index of waiting retriggered tasks only, and no index of open calls. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX task_attempt_open`.execute(db)
  await sql`DROP INDEX flow_task_retriggered`.execute(db)
  await sql`
    CREATE INDEX flow_task_retriggered ON flow_task (campaign_id, task_date, slot)
      WHERE retriggered AND status = 'IN_PROGRESS'`.execute(db)
}
