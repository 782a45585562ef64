import { sql, type Kysely } from 'kysely'
import type { Database } from '../../storage/postgres/database.js'

/** How an attempt ended, as the raw report shows it (`IN_FLIGHT`: not yet). */
export const ATTEMPT_STATUSES = ['COMPLETED', 'PARTIAL_COMPLETE', 'FAILED', 'IN_FLIGHT'] as const
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number]

/** One CSV cell, quoted when it must be. */
export function csvCell(value: string | number | null): string {
  const text = value === null ? '' : String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

const line = (cells: (string | number | null)[]) => `${cells.map(csvCell).join(',')}\n`

/** End-of-day report: per slot, task counts by status and reason. */
export async function* eodReport(
  db: Kysely<Database>,
  campaignId: string,
  date: string,
): AsyncGenerator<string> {
  yield line(['slot', 'status', 'reason', 'tasks'])
  const rows = await db
    .selectFrom('flow_task')
    .select(['slot', 'status', 'reason', (eb) => eb.fn.countAll<string>().as('n')])
    .where('campaign_id', '=', campaignId)
    .where('task_date', '=', date)
    .groupBy(['slot', 'status', 'reason'])
    .orderBy('slot')
    .orderBy('status')
    .orderBy('reason')
    .execute()
  for (const r of rows) yield line([r.slot, r.status, r.reason, Number(r.n)])
}

/**
 * Raw report: one row per attempt of the day, in start order, read in pages. The columns the
 * contract names come first; `task_id`, `attempt` (1 for a task's first call, more for a retry
 * or a retrigger) and `http_status` (empty for a timeout or a refused connection) follow, so
 * that a `FLOW_ERROR` can be told apart and a task's attempts grouped.
 */
export async function* rawReport(
  db: Kysely<Database>,
  campaignId: string,
  date: string,
  only: { slot?: number | undefined; status?: AttemptStatus | undefined } = {},
  pageSize = 5000,
): AsyncGenerator<string> {
  yield line([
    'started_at',
    'attempt_id',
    'request_id',
    'phone',
    'slot',
    'status',
    'reason',
    'duration_ms',
    'task_id',
    'attempt',
    'http_status',
  ])
  let after = { at: new Date(0), id: '00000000-0000-0000-0000-000000000000' }
  for (;;) {
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
    const page = await query.execute()
    let chunk = ''
    for (const a of page) {
      const duration = a.ended_at === null ? null : a.ended_at.getTime() - a.started_at.getTime()
      chunk += line([
        a.started_at.toISOString(),
        a.id,
        a.request_id,
        a.phone,
        a.slot,
        a.status ?? 'IN_FLIGHT',
        a.reason,
        duration,
        a.task_id,
        a.attempt,
        a.http_status,
      ])
    }
    if (chunk !== '') yield chunk
    const last = page[page.length - 1]
    if (last === undefined || page.length < pageSize) return
    after = { at: last.started_at, id: last.id }
  }
}
