import type { Kysely } from 'kysely'
import type { Database } from '../../storage/postgres/database.js'
import {
  ATTEMPT_STATUSES,
  attemptPage,
  eodRows,
  type AttemptStatus,
} from '../../storage/postgres/outreach/report.repository.js'

export { ATTEMPT_STATUSES, type AttemptStatus }

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
  const rows = await eodRows(db, campaignId, date)
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
    const page = await attemptPage(db, campaignId, date, only, after, pageSize)
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
