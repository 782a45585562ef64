import { sql, type Kysely } from 'kysely'

/**
 * Retriggered tasks still waiting for their call, found at once by `rebuild` (to release them
 * again after Redis lost their release). Tasks are inserted with `retriggered` false, so uploads
 * never write to this index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX flow_task_retriggered ON flow_task (campaign_id, task_date, slot)
      WHERE retriggered AND status = 'IN_PROGRESS'`.execute(db)
}

/** Drops the index. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX flow_task_retriggered`.execute(db)
}
