import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { ReportScheduleRow, StoredScheduleSpec } from './report-schedule.table.js'

/** Records a schedule. */
export async function insertSchedule(
  db: Kysely<Database>,
  row: {
    id: string
    templateId: string
    owner: string
    spec: StoredScheduleSpec
    timezone: string
    nextRunAt: Date
  },
): Promise<ReportScheduleRow> {
  return db
    .insertInto('report_schedule')
    .values({
      id: row.id,
      template_id: row.templateId,
      owner: row.owner,
      spec: JSON.stringify(row.spec),
      timezone: row.timezone,
      next_run_at: row.nextRunAt,
      last_run_at: null,
      paused_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** A schedule, if any. */
export async function findSchedule(
  db: Kysely<Database>,
  id: string,
): Promise<ReportScheduleRow | undefined> {
  return db.selectFrom('report_schedule').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Pauses (`at`) or resumes (null, with the next run from now) a schedule; returns the row. */
export async function setSchedulePaused(
  db: Kysely<Database>,
  id: string,
  pausedAt: Date | null,
  nextRunAt?: Date,
): Promise<ReportScheduleRow | undefined> {
  return db
    .updateTable('report_schedule')
    .set({ paused_at: pausedAt, ...(nextRunAt === undefined ? {} : { next_run_at: nextRunAt }) })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

/** Deletes a schedule; true when there was one. */
export async function deleteSchedule(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('report_schedule').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** Schedules (one owner's, or all; of one template when given), oldest first. */
export async function listSchedules(
  db: Kysely<Database>,
  filter: { owner?: string | undefined; templateId?: string | undefined },
  limit: number,
): Promise<ReportScheduleRow[]> {
  let query = db
    .selectFrom('report_schedule')
    .selectAll()
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
  if (filter.owner !== undefined) query = query.where('owner', '=', filter.owner)
  if (filter.templateId !== undefined) query = query.where('template_id', '=', filter.templateId)
  return query.execute()
}

/** Records a schedule's run for instant `ranAt` and its next instant (never moving either back). */
export async function advanceSchedule(
  db: Kysely<Database>,
  id: string,
  ranAt: Date,
  nextRunAt: Date,
): Promise<ReportScheduleRow | undefined> {
  return db
    .updateTable('report_schedule')
    .set((eb) => ({
      last_run_at: sql<Date>`greatest(${eb.ref('last_run_at')}, ${ranAt})`,
      next_run_at: sql<Date>`greatest(${eb.ref('next_run_at')}, ${nextRunAt})`,
    }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

/** Schedules not paused whose next run is due before `before` (all of them when unset), by id. */
export async function activeSchedules(
  db: Kysely<Database>,
  page: { after?: string | undefined; limit: number; dueBefore?: Date | undefined },
): Promise<ReportScheduleRow[]> {
  let query = db
    .selectFrom('report_schedule')
    .selectAll()
    .where('paused_at', 'is', null)
    .orderBy('id')
    .limit(page.limit)
  if (page.after !== undefined) query = query.where('id', '>', page.after)
  if (page.dueBefore !== undefined) query = query.where('next_run_at', '<', page.dueBefore)
  return query.execute()
}
