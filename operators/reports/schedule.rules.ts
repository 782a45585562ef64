import { CronExpressionParser } from 'cron-parser'
import { DateTime } from 'luxon'

/**
 * When a schedule runs, in its own zone: every day, a day of the week or a day of the month at
 * a local time, or a five-field cron expression read in local time.
 */
export type ScheduleSpec = {
  /** An IANA zone, such as `Asia/Kolkata`. */
  timezone: string
} &
  /** `time`: `HH:mm`, local time in `timezone`. */
  (
    | { frequency: 'daily'; time: string }
    /** ISO day of the week: 1 is Monday, 7 is Sunday. */
    | { frequency: 'weekly'; time: string; dayOfWeek: number }
    /** 1–31 (past the month's end: its last day) or `last`. */
    | { frequency: 'monthly'; time: string; dayOfMonth: number | 'last' }
    /** Minute, hour, day of month, month, day of week, matched on local wall-clock time. */
    | { frequency: 'cron'; cron: string }
  )

/** Minutes a daylight-saving change may move local time (Lord Howe's is 30, most are 60). */
const MAX_SHIFT_MINUTES = 120

/**
 * The instant local `date` at `time` happens in `zone`, by this project's DST policy: a time the
 * day skips (clocks moved forward over it) runs at the first valid instant after it, the moment
 * of the change; a time the day has twice (clocks moved back) runs once, at the first.
 */
export function localInstant(zone: string, date: DateTime, time: string): number {
  const [hour, minute] = time.split(':').map(Number) as [number, number]
  const wanted = { year: date.year, month: date.month, day: date.day, hour, minute }
  const dt = DateTime.fromObject(wanted, { zone })
  if (dt.hour !== hour || dt.minute !== minute) {
    // Skipped: luxon moved it forward by the gap; the change happened in between.
    let low = dt.toMillis() - MAX_SHIFT_MINUTES * 60_000
    let high = dt.toMillis()
    const after = dt.offset
    while (high - low > 60_000) {
      const mid = low + Math.floor((high - low) / 120_000) * 60_000
      if (DateTime.fromMillis(mid, { zone }).offset === after) high = mid
      else low = mid
    }
    return high
  }
  // Twice: the earliest instant that shows the same wall time.
  let first = dt.toMillis()
  for (let back = 30; back <= MAX_SHIFT_MINUTES; back += 30) {
    const earlier = DateTime.fromMillis(dt.toMillis() - back * 60_000, { zone })
    if (earlier.hour === hour && earlier.minute === minute && earlier.day === date.day)
      first = earlier.toMillis()
  }
  return first
}

/** Whether a schedule with a `time` runs on local `date`. */
function runsOn(spec: Exclude<ScheduleSpec, { frequency: 'cron' }>, date: DateTime): boolean {
  if (spec.frequency === 'daily') return true
  if (spec.frequency === 'weekly') return date.weekday === spec.dayOfWeek
  const last = date.daysInMonth ?? 31
  return spec.dayOfMonth === 'last'
    ? date.day === last
    : date.day === Math.min(spec.dayOfMonth, last)
}

/**
 * The next run of a cron schedule after `afterMs`: the expression is matched on local wall-clock
 * time (iterated on a UTC timeline of local times), and the wall time found goes through
 * {@link localInstant}, so cron schedules follow the same DST policy as the others.
 */
function nextCronRun(spec: { cron: string; timezone: string }, afterMs: number): number {
  const local = DateTime.fromMillis(afterMs, { zone: spec.timezone })
  let wall = local.setZone('UTC', { keepLocalTime: true })
  for (let i = 0; i < 1000; i++) {
    const next = CronExpressionParser.parse(spec.cron, {
      tz: 'UTC',
      currentDate: wall.toJSDate(),
    }).next()
    wall = DateTime.fromJSDate(next.toDate(), { zone: 'UTC' })
    const day = DateTime.fromObject(
      { year: wall.year, month: wall.month, day: wall.day },
      { zone: spec.timezone },
    )
    const at = localInstant(spec.timezone, day, wall.toFormat('HH:mm'))
    if (at > afterMs) return at
  }
  throw new Error(`no run of ${spec.cron} after ${new Date(afterMs).toISOString()}`)
}

/** The first run of `spec` strictly after `afterMs`. */
export function nextRun(spec: ScheduleSpec, afterMs: number): number {
  if (spec.frequency === 'cron') return nextCronRun(spec, afterMs)
  let date = DateTime.fromMillis(afterMs, { zone: spec.timezone }).startOf('day')
  // A monthly schedule runs within 31 days; a day before, in case the run is early that day.
  for (let i = 0; i < 400; i++, date = date.plus({ days: 1 })) {
    if (!runsOn(spec, date)) continue
    const at = localInstant(spec.timezone, date, spec.time)
    if (at > afterMs) return at
  }
  throw new Error(`no run of ${JSON.stringify(spec)} within 400 days`)
}

/** The next `n` runs of `spec` after `afterMs`. */
export function nextRuns(spec: ScheduleSpec, afterMs: number, n: number): number[] {
  const runs: number[] = []
  let at = afterMs
  for (let i = 0; i < n; i++) runs.push((at = nextRun(spec, at)))
  return runs
}

/**
 * The one run owed at `nowMs` after the last run counted (`sinceMs`): the latest scheduled
 * instant in (sinceMs, nowMs], or undefined when none is due. After downtime a schedule runs
 * once for what it missed, for its latest instant, not once per missed instant.
 */
export function dueRun(spec: ScheduleSpec, sinceMs: number, nowMs: number): number | undefined {
  let due: number | undefined
  for (let at = nextRun(spec, sinceMs); at <= nowMs; at = nextRun(spec, at)) due = at
  return due
}

/**
 * Why a cron expression cannot schedule reports: not five fields, not valid, or never firing in
 * the next five years; undefined when it can.
 */
export function cronProblem(cron: string, timezone: string, fromMs: number): string | undefined {
  if (cron.trim().split(/\s+/).length !== 5)
    return 'must have five fields: minute, hour, day of month, month, day of week'
  try {
    const next = nextRun({ frequency: 'cron', cron, timezone }, fromMs)
    if (next - fromMs > 5 * 366 * 86_400_000) return 'never fires in the next five years'
    return undefined
  } catch (error) {
    return `is not a valid cron expression: ${(error as Error).message}`
  }
}

/** The shortest time between `n` consecutive runs of `spec` after `fromMs`. */
export function shortestInterval(spec: ScheduleSpec, fromMs: number, n = 10): number {
  const runs = nextRuns(spec, fromMs, n)
  let shortest = Number.POSITIVE_INFINITY
  for (let i = 1; i < runs.length; i++)
    shortest = Math.min(shortest, (runs[i] as number) - (runs[i - 1] as number))
  return shortest
}
