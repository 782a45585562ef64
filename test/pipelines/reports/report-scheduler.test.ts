import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createSchedule,
  pauseSchedule,
  type ScheduleDeps,
  type ScheduleInput,
} from '../../../pipelines/reports/schedules.js'
import { fireSchedule } from '../../../pipelines/reports/timers.js'
import { requestRun } from '../../../pipelines/reports/jobs.js'
import { sweepReports } from '../../../pipelines/reports/report-sweeper.js'
import { rebuild } from '../../../pipelines/rebuild.js'
import { deleteKeys } from '../../../storage/redis/streams.js'
import { createTemplate, templateOf } from '../../../pipelines/reports/templates.js'
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

const scheduled = (deps: ScheduleDeps, spec: Record<string, unknown>) =>
  createSchedule(deps, { templateId, ...spec } as ScheduleInput, owner, MIN)

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
    const row = await scheduled(deps, {
      frequency: 'daily',
      time: '07:00',
      timezone: 'Asia/Kolkata',
    })
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
    const row = await scheduled(deps, { frequency: 'daily', time: '07:00', timezone: 'UTC' })
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
    const row = await scheduled(deps, {
      frequency: 'weekly',
      dayOfWeek: 2,
      time: '07:00',
      timezone: 'UTC',
    })
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
    const row = await scheduled(deps, {
      frequency: 'monthly',
      dayOfMonth: 'last',
      time: '23:30',
      timezone: 'UTC',
    })
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

  it('should get its timers and unfinished jobs back from Postgres after Redis lost them', async () => {
    const clock = manualClock(Date.parse('2026-12-01T00:00:00Z'))
    const deps = reportsDeps(s, clock)
    const row = await scheduled(deps, { frequency: 'daily', time: '09:00', timezone: 'UTC' })
    const template = await templateOf(s.db, templateId, owner)
    const { job } = await requestRun(deps, template, {
      scheduledForMs: clock.now(),
      timezone: 'UTC',
    })
    await deleteKeys(s.redis, s.keys.prefix)
    const report = await rebuild(deps)
    expect(report.reportSchedules).toBeGreaterThanOrEqual(1)
    expect(report.reportJobs).toBeGreaterThanOrEqual(1)
    expect(await timerDue(s.redis, s.keys, `report-schedule:${row.id}`)).toBe(
      row.next_run_at.getTime(),
    )
    const queued = await s.redis.xrange(s.keys.reportsExport, '-', '+')
    expect(queued.map(([, fields]) => fields[1])).toContain(job.id)
  })
})

describe('the report sweeper', () => {
  it('should queue again, once per stall period, a job whose worker stopped heartbeating', async () => {
    const clock = manualClock(Date.parse('2026-12-10T00:00:00Z'))
    const deps = reportsDeps(s, clock, { stallSeconds: 60 })
    const template = await templateOf(s.db, templateId, owner)
    const { job } = await requestRun(deps, template, {
      scheduledForMs: clock.now(),
      timezone: 'UTC',
    })
    // The other tests' jobs are done with; this one runs, heartbeating now.
    await s.db.updateTable('job_requests').set({ status: 'succeeded' }).execute()
    await s.db
      .updateTable('job_requests')
      .set({ status: 'running', attempts: 1, heartbeat_at: new Date(clock.now()) })
      .where('id', '=', job.id)
      .execute()
    await deleteKeys(s.redis, s.keys.prefix)
    expect((await sweepReports(deps)).requeued).toBe(0)
    clock.advance(61_000)
    expect((await sweepReports(deps)).requeued).toBe(1)
    expect((await sweepReports(deps)).requeued).toBe(0)
    const queued = await s.redis.xrange(s.keys.reportsExport, '-', '+')
    expect(queued.map(([, fields]) => fields[1])).toEqual([job.id])
    clock.advance(61_000)
    expect((await sweepReports(deps)).requeued).toBe(1)
  })
})
