import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'

/** How an attempt ended, as the raw report shows it (`IN_FLIGHT`: not yet). */
export const ATTEMPT_STATUSES = ['COMPLETED', 'PARTIAL_COMPLETE', 'FAILED', 'IN_FLIGHT'] as const
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number]

/** A day's task counts by slot, status and reason (the EOD report's rows). */
export async function eodRows(db: Kysely<Database>, campaignId: string, date: string) {
  return db
    .selectFrom('flow_task')
    .select(['slot', 'status', 'reason', (eb) => eb.fn.countAll<string>().as('n')])
    .where('campaign_id', '=', campaignId)
    .where('task_date', '=', date)
    .groupBy(['slot', 'status', 'reason'])
    .orderBy('slot')
    .orderBy('status')
    .orderBy('reason')
    .execute()
}

/**
 * One page of a day's attempts in start order, after `after` (the last row of the page before),
 * of one slot or one way of ending when asked.
 */
export async function attemptPage(
  db: Kysely<Database>,
  campaignId: string,
  date: string,
  only: { slot?: number | undefined; status?: AttemptStatus | undefined },
  after: { at: Date; id: string },
  pageSize: number,
) {
  let query = db
    .selectFrom('task_attempt')
    .select([
      'id',
      'request_id',
      'phone',
      'slot',
      'status',
      'reason',
      'started_at',
      'ended_at',
      'task_id',
      'attempt',
      'http_status',
    ])
    .where('campaign_id', '=', campaignId)
    .where('task_date', '=', date)
    .where(sql<boolean>`(started_at, id) > (${after.at}, ${after.id}::uuid)`)
    .orderBy('started_at')
    .orderBy('id')
    .limit(pageSize)
  if (only.slot !== undefined) query = query.where('slot', '=', only.slot)
  if (only.status === 'IN_FLIGHT') query = query.where('status', 'is', null)
  else if (only.status !== undefined) query = query.where('status', '=', only.status)
  return query.execute()
}
