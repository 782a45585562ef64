import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { DateTime } from 'luxon'
import { z } from 'zod'
import {
  cronProblem,
  nextRun,
  nextRuns,
  shortestInterval,
  type ScheduleSpec,
} from '../../operators/reports/schedule.rules.js'
import type { Database } from '../../storage/postgres/database.js'
import {
  deleteSchedule,
  findSchedule,
  insertSchedule,
  setSchedulePaused,
} from '../../storage/postgres/reports/report-schedule.repository.js'
import type { ReportScheduleRow } from '../../storage/postgres/reports/report-schedule.table.js'
import { scheduleTimers, type Timer } from '../../storage/redis/timers.js'
import type { Redis } from 'ioredis'
import type { Keys } from '../../storage/redis/keys.js'
import { DomainError, fieldsInvalid, ownRowOr404 } from '../domain-error.js'
import { templateOf, type Reader } from './templates.js'

const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:mm (00:00 to 23:59)')
/** An IANA time zone. */
export const Zone = z
  .string()
  .max(64)
  .refine(
    (zone) => DateTime.local().setZone(zone).isValid,
    'must be an IANA time zone such as Asia/Kolkata',
  )

/**
 * What changing schedules needs: the schedule is written in Postgres, then its timer armed (a
 * timer lost in between is armed again by the report sweeper, or `rebuild`).
 */
export interface ScheduleDeps {
  db: Kysely<Database>
  redis: Redis
  keys: Keys
  clock: { now(): number }
}

/** A schedule as its owner sends it. */
export const ScheduleInput = z.discriminatedUnion('frequency', [
  z.object({ templateId: z.uuid(), frequency: z.literal('daily'), time: Time, timezone: Zone }),
  z.object({
    templateId: z.uuid(),
    frequency: z.literal('weekly'),
    time: Time,
    dayOfWeek: z.number().int().min(1).max(7).describe('ISO day: 1 is Monday, 7 is Sunday'),
    timezone: Zone,
  }),
  z.object({
    templateId: z.uuid(),
    frequency: z.literal('monthly'),
    time: Time,
    dayOfMonth: z.union([z.number().int().min(1).max(31), z.literal('last')]),
    timezone: Zone,
  }),
  z.object({
    templateId: z.uuid(),
    frequency: z.literal('cron'),
    cron: z.string().max(100),
    timezone: Zone,
  }),
])
export type ScheduleInput = z.infer<typeof ScheduleInput>

/** Timer kinds of the report scheduler. */
export const ReportTimerKind = { schedule: 'report.schedule' } as const

/** The timer of a schedule's next run (one per schedule: arming it again moves it). */
export function scheduleTimer(row: Pick<ReportScheduleRow, 'id' | 'next_run_at'>): Timer {
  return {
    id: `report-schedule:${row.id}`,
    dueMs: row.next_run_at.getTime(),
    fields: { kind: ReportTimerKind.schedule, scheduleId: row.id },
  }
}

/** A stored schedule's spec with its zone, as the rules take it. */
export const specOf = (row: ReportScheduleRow): ScheduleSpec => ({
  ...row.spec,
  timezone: row.timezone,
})

/** A schedule as the contract shows it, with its next runs in local time and UTC. */
export function scheduleView(row: ReportScheduleRow, nowMs: number, runs = 5) {
  const spec = specOf(row)
  const next = row.paused_at === null ? nextRuns(spec, nowMs, runs) : []
  return {
    id: row.id,
    templateId: row.template_id,
    owner: row.owner,
    ...row.spec,
    timezone: row.timezone,
    paused: row.paused_at !== null,
    ...(row.paused_at === null ? {} : { pausedAt: row.paused_at.toISOString() }),
    nextRunAt: next[0] === undefined ? null : new Date(next[0]).toISOString(),
    nextRuns: next.map((at) => ({
      local: DateTime.fromMillis(at, { zone: row.timezone }).toISO() ?? '',
      utc: new Date(at).toISOString(),
    })),
    ...(row.last_run_at === null ? {} : { lastRunAt: row.last_run_at.toISOString() }),
    createdAt: row.created_at.toISOString(),
  }
}

/**
 * Schedules a template the caller may read: refused by field when its cron never fires or is not
 * valid, or when it would run more often than every `minIntervalMinutes`.
 */
export async function createSchedule(
  deps: ScheduleDeps,
  input: ScheduleInput,
  caller: Reader,
  minIntervalMinutes: number,
): Promise<ReportScheduleRow> {
  const template = await templateOf(deps.db, input.templateId, caller)
  const now = deps.clock.now()
  const { templateId: _templateId, timezone, ...stored } = input
  const spec = { ...stored, timezone }
  if (spec.frequency === 'cron') {
    const problem = cronProblem(spec.cron, timezone, now)
    if (problem !== undefined) throw fieldsInvalid([{ field: 'cron', message: problem }])
  }
  if (shortestInterval(spec, now) < minIntervalMinutes * 60_000)
    throw fieldsInvalid([
      {
        field: spec.frequency === 'cron' ? 'cron' : 'frequency',
        message: `runs more often than every ${minIntervalMinutes} minutes (REPORT_MIN_INTERVAL_MINUTES)`,
      },
    ])
  const row = await insertSchedule(deps.db, {
    id: randomUUID(),
    templateId: template.id,
    owner: template.owner,
    spec: stored,
    timezone,
    nextRunAt: new Date(nextRun(spec, now)),
  })
  await scheduleTimers(deps.redis, deps.keys, [scheduleTimer(row)])
  return row
}

/** The schedule `id` as `reader` may see it (its owner's, or any for an admin); 404 otherwise. */
export async function scheduleOf(
  db: Kysely<Database>,
  id: string,
  reader: Reader,
): Promise<ReportScheduleRow> {
  return ownRowOr404(
    id,
    reader,
    (key) => findSchedule(db, key),
    (row) => row.owner,
    {
      code: 'schedule_not_found',
      message: `No report schedule ${id}`,
    },
  )
}

/** Pauses a schedule (no run until it is resumed), or resumes it from now (no catch-up). */
export async function pauseSchedule(
  deps: ScheduleDeps,
  row: ReportScheduleRow,
  paused: boolean,
): Promise<ReportScheduleRow> {
  const now = deps.clock.now()
  const updated = paused
    ? await setSchedulePaused(deps.db, row.id, row.paused_at ?? new Date(now))
    : await setSchedulePaused(deps.db, row.id, null, new Date(nextRun(specOf(row), now)))
  if (updated === undefined)
    throw new DomainError('not_found', 'schedule_not_found', `No report schedule ${row.id}`)
  // A paused schedule's timer fires nothing; resumed, it is armed for the next run.
  if (!paused) await scheduleTimers(deps.redis, deps.keys, [scheduleTimer(updated)])
  return updated
}

/** Deletes a schedule. */
export async function removeSchedule(db: Kysely<Database>, row: ReportScheduleRow): Promise<void> {
  await deleteSchedule(db, row.id)
}
