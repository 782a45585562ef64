import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import {
  cronProblem,
  dueRun,
  shortestInterval,
  localInstant,
  nextRun,
  nextRuns,
  type ScheduleSpec,
} from '../../../operators/reports/schedule.rules.js'

const iso = (ms: number) => new Date(ms).toISOString()
const at = (text: string) => Date.parse(text)
const ny = 'America/New_York'

describe('localInstant', () => {
  it('should run a time the day skips at the moment clocks move forward', () => {
    // 2026-03-08 in New York: 02:00 EST becomes 03:00 EDT.
    const day = DateTime.fromISO('2026-03-08', { zone: ny })
    expect(iso(localInstant(ny, day, '02:30'))).toBe('2026-03-08T07:00:00.000Z') // 03:00 EDT
    expect(iso(localInstant(ny, day, '03:30'))).toBe('2026-03-08T07:30:00.000Z')
  })

  it('should run a time the day has twice once, at the first', () => {
    // 2026-11-01 in New York: 02:00 EDT becomes 01:00 EST; 01:30 happens twice.
    const day = DateTime.fromISO('2026-11-01', { zone: ny })
    expect(iso(localInstant(ny, day, '01:30'))).toBe('2026-11-01T05:30:00.000Z') // 01:30 EDT
    expect(iso(localInstant(ny, day, '00:30'))).toBe('2026-11-01T04:30:00.000Z')
  })

  it('should keep a zone without DST as it is', () => {
    const day = DateTime.fromISO('2026-12-03', { zone: 'Asia/Kolkata' })
    expect(iso(localInstant('Asia/Kolkata', day, '07:00'))).toBe('2026-12-03T01:30:00.000Z')
  })
})

describe('nextRun', () => {
  const daily: ScheduleSpec = { frequency: 'daily', time: '02:30', timezone: ny }

  it('should step over both DST changes of a daily schedule', () => {
    expect(nextRuns(daily, at('2026-03-07T12:00:00Z'), 3).map(iso)).toEqual([
      '2026-03-08T07:00:00.000Z', // skipped 02:30 → 03:00 EDT
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ])
    const early: ScheduleSpec = { ...daily, time: '01:30' }
    expect(nextRuns(early, at('2026-10-31T12:00:00Z'), 2).map(iso)).toEqual([
      '2026-11-01T05:30:00.000Z', // the first 01:30, not the second
      '2026-11-02T06:30:00.000Z',
    ])
  })

  it('should run weekly on its ISO day and monthly on a day or the last', () => {
    const monday: ScheduleSpec = {
      frequency: 'weekly',
      dayOfWeek: 1,
      time: '07:00',
      timezone: 'UTC',
    }
    expect(iso(nextRun(monday, at('2026-12-03T00:00:00Z')))).toBe('2026-12-07T07:00:00.000Z')
    const last: ScheduleSpec = {
      frequency: 'monthly',
      dayOfMonth: 'last',
      time: '23:00',
      timezone: 'UTC',
    }
    expect(nextRuns(last, at('2027-01-31T23:00:00Z'), 3).map(iso)).toEqual([
      '2027-02-28T23:00:00.000Z',
      '2027-03-31T23:00:00.000Z',
      '2027-04-30T23:00:00.000Z',
    ])
    const the31st: ScheduleSpec = {
      frequency: 'monthly',
      dayOfMonth: 31,
      time: '06:00',
      timezone: 'UTC',
    }
    expect(iso(nextRun(the31st, at('2028-02-01T00:00:00Z')))).toBe('2028-02-29T06:00:00.000Z')
  })
})

describe('dueRun', () => {
  const daily: ScheduleSpec = { frequency: 'daily', time: '07:00', timezone: 'Asia/Kolkata' }

  it('should owe one run, the latest, after days of downtime', () => {
    const since = at('2026-12-01T01:30:00Z') // the 1st's run
    expect(iso(dueRun(daily, since, at('2026-12-04T02:00:00Z')) ?? 0)).toBe(
      '2026-12-04T01:30:00.000Z',
    )
    expect(dueRun(daily, since, at('2026-12-02T01:29:59Z'))).toBeUndefined()
  })
})

describe('cron schedules', () => {
  it('should match local wall-clock time under the same DST policy', () => {
    const spring: ScheduleSpec = { frequency: 'cron', cron: '30 2 * * *', timezone: ny }
    expect(nextRuns(spring, at('2026-03-07T12:00:00Z'), 2).map(iso)).toEqual([
      '2026-03-08T07:00:00.000Z', // the skipped 02:30 runs at 03:00 EDT
      '2026-03-09T06:30:00.000Z',
    ])
    const autumn: ScheduleSpec = { frequency: 'cron', cron: '30 1 * * *', timezone: ny }
    expect(nextRuns(autumn, at('2026-10-31T12:00:00Z'), 2).map(iso)).toEqual([
      '2026-11-01T05:30:00.000Z', // once, at the first 01:30
      '2026-11-02T06:30:00.000Z',
    ])
    const weekdays: ScheduleSpec = { frequency: 'cron', cron: '0 9 * * 1-5', timezone: 'UTC' }
    expect(iso(nextRun(weekdays, at('2026-12-04T10:00:00Z')))).toBe('2026-12-07T09:00:00.000Z')
  })

  it('should say why an expression cannot schedule, and measure how often one runs', () => {
    const now = at('2026-12-03T00:00:00Z')
    expect(cronProblem('0 9 * *', 'UTC', now)).toBe(
      'must have five fields: minute, hour, day of month, month, day of week',
    )
    expect(cronProblem('0 0 30 2 *', 'UTC', now)).toMatch(/^is not a valid cron expression/)
    expect(cronProblem('*/15 * * * *', 'UTC', now)).toBeUndefined()
    expect(
      shortestInterval({ frequency: 'cron', cron: '*/15 * * * *', timezone: 'UTC' }, now),
    ).toBe(15 * 60_000)
  })
})
