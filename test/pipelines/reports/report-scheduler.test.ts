import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSchedule, pauseSchedule } from '../../../pipelines/reports/schedules.js'
import { fireSchedule } from '../../../pipelines/reports/timers.js'
import { createTemplate } from '../../../pipelines/reports/templates.js'
import { manualClock } from '../../../pipelines/runtime/clock.js'
import { startWorkers } from '../../../pipelines/workers.js'
import { createDb } from '../../../storage/postgres/database.js'
import { findSchedule } from '../../../storage/postgres/reports/report-schedule.repository.js'
import { timerDue } from '../../../storage/redis/timers.js'
import { reportsDeps } from '../../support/reports.js'
import {
  eventually,
  isolatedServices,
  testDatabaseUrl,
  type TestServices,
} from '../../support/services.js'

let s: TestServices
let templateId: string
const owner = { userId: '7', admin: false }
const MIN = 60

beforeAll(async () => {
  s = await isolatedServices()
  const template = await createTemplate(
    s.db,
    {
      name: 'Daily totals',
      dataset: 'purchase_totals',
      columns: [{ column: 'user_id' }],
      filters: [{ column: 'reached_at', op: 'gte', value: 'yesterday' }],
      sort: [],
      format: 'csv',
      bom: false,
    },
    owner,
  )
  templateId = template.id
})
afterAll(async () => {
  await s.close()
})

const jobsOf = (scheduleId: string) =>
  s.db
    .selectFrom('report_job_mapping as m')
    .innerJoin('job_requests as j', 'j.id', 'm.job_request_id')
    .select(['j.id', 'm.schedule_date', 'j.job_input', 'j.status'])
    .where('m.schedule_id', '=', scheduleId)
    .orderBy('m.schedule_date')
    .execute()

describe('the report scheduler', () => {
  it('should request one job per instant however many schedulers fire it', async () => {
    const clock = manualClock(Date.parse('2026-12-01T00:00:00Z'))
    const deps = reportsDeps(s, clock)
    const row = await createSchedule(
      deps,
      { templateId, frequency: 'daily', time: '07:00', timezone: 'Asia/Kolkata' },
      owner,
      MIN,
    )
    expect(row.next_run_at.toISOString()).toBe('2026-12-01T01:30:00.000Z')
    expect(await timerDue(s.redis, s.keys, `report-schedule:${row.id}`)).toBe(
      row.next_run_at.getTime(),
    )
    clock.set(Date.parse('2026-12-01T01:30:05Z'))
    // A second scheduler process: its own connections to the same database.
    const other = createDb(testDatabaseUrl, { schema: s.schema, maxConnections: 2 })
    try {
      const fired = await Promise.all(
        [s.db, other, s.db, other].map((db) => fireSchedule({ db, clock }, row.id)),
      )
      const jobs = await jobsOf(row.id)
      expect(jobs).toHaveLength(1)
      // Each either found the instant owed (and the one job for it) or found it already made.
      expect(new Set(fired.flatMap((f) => f.jobId ?? []))).toEqual(new Set([jobs[0]?.id]))
      expect(jobs[0]?.schedule_date.toISOString()).toBe('2026-12-01T01:30:00.000Z')
      expect(jobs[0]?.job_input).toMatchObject({
        templateId,
        dynamicMapping: true,
        dynamicColumns: [{ columnName: 'user_id', dataType: 'string' }],
        scheduledFor: '2026-12-01T01:30:00.000Z',
        filters: [{ column: 'reached_at', op: 'gte', value: 'yesterday' }],
        timezone: 'Asia/Kolkata',
      })
      expect(fired.map((f) => f.timer?.dueMs)).toContain(Date.parse('2026-12-02T01:30:00Z'))
    } finally {
      await other.destroy()
    }
  })

  it('should run once for what it missed after downtime, for the latest instant', async () => {
    const clock = manualClock(Date.parse('2026-12-01T00:00:00Z'))
    const deps = reportsDeps(s, clock)
    const row = await createSchedule(
      deps,
      { templateId, frequency: 'daily', time: '07:00', timezone: 'UTC' },
      owner,
      MIN,
    )
    clock.set(Date.parse('2026-12-05T09:00:00Z')) // down since before the 1st's run
    const fired = await fireSchedule(deps, row.id)
    expect(fired.scheduledFor).toBe(Date.parse('2026-12-05T07:00:00Z'))
    expect(await fireSchedule(deps, row.id)).toEqual({
      timer: expect.objectContaining({ dueMs: Date.parse('2026-12-06T07:00:00Z') }) as unknown,
    })
    expect((await jobsOf(row.id)).map((j) => j.schedule_date.toISOString())).toEqual([
      '2026-12-05T07:00:00.000Z',
    ])
    expect(await findSchedule(s.db, row.id)).toMatchObject({
      last_run_at: new Date('2026-12-05T07:00:00Z'),
      next_run_at: new Date('2026-12-06T07:00:00Z'),
    })
  })

  it('should fire nothing while paused, and resume from now', async () => {
    const clock = manualClock(Date.parse('2026-12-01T00:00:00Z'))
    const deps = reportsDeps(s, clock)
    const row = await createSchedule(
      deps,
      { templateId, frequency: 'weekly', dayOfWeek: 2, time: '07:00', timezone: 'UTC' },
      owner,
      MIN,
    )
    await pauseSchedule(deps, row, true)
    clock.set(Date.parse('2026-12-20T00:00:00Z'))
    expect(await fireSchedule(deps, row.id)).toEqual({})
    const paused = await findSchedule(s.db, row.id)
    if (paused === undefined) throw new Error('gone')
    const resumed = await pauseSchedule(deps, paused, false)
    expect(resumed.next_run_at.toISOString()).toBe('2026-12-22T07:00:00.000Z')
    expect(await jobsOf(row.id)).toEqual([])
  })

  it('should queue the job and arm the next run when the timer is due', async () => {
    const clock = manualClock(Date.parse('2026-12-01T00:00:00Z'))
    const deps = reportsDeps(s, clock)
    const row = await createSchedule(
      deps,
      { templateId, frequency: 'monthly', dayOfMonth: 'last', time: '23:30', timezone: 'UTC' },
      owner,
      MIN,
    )
    expect(row.next_run_at.toISOString()).toBe('2026-12-31T23:30:00.000Z')
    clock.set(Date.parse('2026-12-31T23:31:00Z'))
    const workers = await startWorkers({ ...deps, metrics: s.metrics }, ['timers'])
    try {
      const [job] = await eventually(async () => {
        const jobs = await jobsOf(row.id)
        return jobs.length === 1 ? jobs : undefined
      })
      await eventually(async () => {
        const entries = await s.redis.xrange(s.keys.reportsExport, '-', '+')
        return entries.some(([, fields]) => fields[1] === job?.id)
      })
      await eventually(
        async () =>
          (await timerDue(s.redis, s.keys, `report-schedule:${row.id}`)) ===
          Date.parse('2027-01-31T23:30:00Z'),
      )
    } finally {
      await workers.stop()
    }
  })
})
