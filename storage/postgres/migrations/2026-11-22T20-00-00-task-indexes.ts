import { sql, type Kysely } from 'kysely'

/**
 * Fewer indexes on `flow_task`, whose inserts dominate an upload: one index by (campaign, day,
 * slot, id) serves releases, slot ends, retriggers and reports; slotless tasks keep a small
 * partial index of their own; negatives reach tasks through their record instead of a
 * request index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX flow_task_pending`.execute(db)
  await sql`DROP INDEX flow_task_request`.execute(db)
  await sql`DROP INDEX flow_task_day`.execute(db)
  await sql`CREATE INDEX flow_task_day ON flow_task (campaign_id, task_date, slot, id)`.execute(db)
  await sql`
    CREATE INDEX flow_task_slotless ON flow_task (campaign_id, id)
      WHERE slot = 0 AND status = 'IN_PROGRESS'`.execute(db)
}

/** Restores the indexes of the outreach migration. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX flow_task_slotless`.execute(db)
  await sql`DROP INDEX flow_task_day`.execute(db)
  await sql`CREATE INDEX flow_task_day ON flow_task (campaign_id, task_date, slot)`.execute(db)
  await sql`CREATE INDEX flow_task_request ON flow_task (request_id) WHERE status = 'IN_PROGRESS'`.execute(
    db,
  )
  await sql`
    CREATE INDEX flow_task_pending ON flow_task (campaign_id, task_date, slot, id)
      WHERE status = 'IN_PROGRESS'`.execute(db)
}
