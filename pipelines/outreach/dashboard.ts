import type { Kysely } from 'kysely'
import { groupBy } from '../../operators/group-by.rules.js'
import { dayOf, slotWindow, workingWindow } from '../../operators/outreach/schedule.rules.js'
import type { CampaignRow } from '../../storage/postgres/campaign.table.js'
import type { Database } from '../../storage/postgres/database.js'
import {
  dayWasRetriggered,
  failuresByReason,
} from '../../storage/postgres/outreach/flow-task.repository.js'
import type { TaskStatus } from '../../storage/postgres/outreach/flow-task.table.js'
import { taskCounts } from '../../storage/postgres/outreach/task-counter.repository.js'
import { outreachSettings, slotOfCampaign } from './campaign-views.js'

/** A day's tasks of an outreach campaign by what became of them; `uploaded` is all of them. */
export interface DayTotals {
  uploaded: number
  attempted: number
  negative: number
  pending: number
  cancelled: number
  completed: number
  partial: number
  failed: number
}

/** What a dashboard says is happening, in precedence order (the first that holds is told). */
export const DASHBOARD_STATUSES = [
  'Cancelled',
  'Paused',
  'Running',
  'Negative upload',
  'Rescheduled',
  'Completed',
  'Scheduled',
] as const

/** A day of an outreach campaign at a glance. */
export interface Dashboard extends DayTotals {
  date: string
  /** The slot it is about, when one was asked for. */
  slot?: number
  /**
   * Tasks that reached the flow endpoint at least once: every completed and partial task and
   * the failed ones that were called (`attempted` also counts those failed without a call).
   */
  called: number
  /** Failed tasks by reason (`FLOW_ERROR`, `OUT_OF_SLOT_TIME`…). */
  failedByReason: Record<string, number>
  scheduledTimestamps: string[]
  status: (typeof DASHBOARD_STATUSES)[number]
}

/** A day's totals from its counts by status (uploaded = attempted + pending + negative + cancelled). */
function dayTotals(counts: Map<TaskStatus, number> | undefined): DayTotals {
  const n = (status: TaskStatus) => counts?.get(status) ?? 0
  const completed = n('COMPLETED')
  const partial = n('PARTIAL_COMPLETE')
  const failed = n('FAILED')
  const pending = n('IN_PROGRESS')
  const negative = n('NEGATIVE')
  const cancelled = n('CANCELLED')
  const attempted = completed + partial + failed
  return {
    uploaded: attempted + pending + negative + cancelled,
    attempted,
    negative,
    pending,
    cancelled,
    completed,
    partial,
    failed,
  }
}

/**
 * Task counts of one day (or of one of its slots) by status, from the trigger-kept counters
 * (never by counting tasks).
 */
export async function dayCounts(
  db: Kysely<Database>,
  campaignIds: string[],
  date: string,
  slot?: number,
): Promise<Map<string, Map<TaskStatus, number>>> {
  const out = new Map<string, Map<TaskStatus, number>>()
  if (campaignIds.length === 0) return out
  const rows = await taskCounts(db, campaignIds, date, slot)
  for (const row of rows) {
    const counts = out.get(row.campaign_id) ?? new Map<TaskStatus, number>()
    counts.set(row.status, Number(row.n))
    out.set(row.campaign_id, counts)
  }
  return out
}

/** One campaign's totals of `date`, or of one slot of it, from the counters. */
export async function campaignDayTotals(
  db: Kysely<Database>,
  campaignId: string,
  date: string,
  slot?: number,
): Promise<DayTotals> {
  return dayTotals((await dayCounts(db, [campaignId], date, slot)).get(campaignId))
}

/**
 * The dashboard of `date` (default today in the campaign's zone), or of one slot of it (0: the
 * tasks of a campaign without slots).
 */
export async function dashboard(
  db: Kysely<Database>,
  campaign: CampaignRow,
  date: string,
  nowMs: number,
  slot?: number,
): Promise<Dashboard> {
  const s = outreachSettings(campaign)
  if (slot !== undefined) slotOfCampaign(campaign, slot)
  const [totals, retriggered, failures] = await Promise.all([
    campaignDayTotals(db, campaign.id, date, slot),
    dayWasRetriggered(db, campaign.id, date, slot),
    failuresByReason(db, campaign.id, date, slot),
  ])
  // A slot (or, without slots, working hours) of this day is open now, with calls to make.
  const windows =
    s.slots.length === 0
      ? [workingWindow(s, date)]
      : (slot === undefined ? s.slots.map((_, i) => i + 1) : [slot]).map((n) =>
          slotWindow(s, date, n),
        )
  const open = windows.some((w) => w.startMs <= nowMs && nowMs < w.endMs)
  const status: Dashboard['status'] =
    campaign.status === 'Cancelled'
      ? 'Cancelled'
      : campaign.paused_at !== null
        ? 'Paused'
        : open && totals.pending > 0 && nowMs < campaign.end_at.getTime()
          ? 'Running'
          : totals.negative > 0
            ? 'Negative upload'
            : retriggered
              ? 'Rescheduled'
              : totals.uploaded > 0 && totals.pending === 0
                ? 'Completed'
                : 'Scheduled'
  const starts = s.slots.map((_, i) => new Date(slotWindow(s, date, i + 1).startMs).toISOString())
  return {
    date,
    ...(slot !== undefined && { slot }),
    ...totals,
    called: totals.completed + totals.partial + failures.reduce((n, f) => n + f.called, 0),
    failedByReason: Object.fromEntries(failures.map((f) => [f.reason, f.failed])),
    scheduledTimestamps: slot === undefined ? starts : starts.slice(slot - 1, slot),
    status,
  }
}

/**
 * Today's task totals of outreach campaigns (today in each one's zone), by campaign id: one
 * counter query per distinct date.
 */
export async function todayTotals(
  db: Kysely<Database>,
  campaigns: CampaignRow[],
  nowMs: number,
): Promise<Map<string, DayTotals & { date: string }>> {
  const dated = campaigns.map((row) => ({ id: row.id, date: todayOf(row, nowMs) }))
  const counts = new Map<string, Map<TaskStatus, number>>()
  for (const [date, group] of groupBy(dated, (c) => c.date)) {
    for (const [id, m] of await dayCounts(
      db,
      group.map((c) => c.id),
      date,
    ))
      counts.set(id, m)
  }
  return new Map(dated.map(({ id, date }) => [id, { date, ...dayTotals(counts.get(id)) }]))
}

/** Today in the campaign's zone. */
export function todayOf(campaign: CampaignRow, nowMs: number): string {
  return dayOf(outreachSettings(campaign), nowMs)
}
