import { sql, type Kysely } from 'kysely'

/**
 * The failed tasks of a day or slot, for the dashboard's failures by reason: a partial index,
 * so reading them costs what there is of them, not the whole day.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX flow_task_failed ON flow_task (campaign_id, task_date, slot)
    WHERE status = 'FAILED'`.execute(db)
}

/** Drops the index. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX flow_task_failed`.execute(db)
}
