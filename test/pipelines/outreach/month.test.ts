import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SLOT_LEAD_MS } from '../../../pipelines/outreach/campaign-timers.js'
import { timerDue } from '../../../storage/redis/timers.js'
import { bearer, type testApp } from '../../support/app.js'
import {
  createOutreach,
  outreachHarness,
  uploadCsv,
  type OutreachHarness,
} from '../../support/outreach.js'
import type { flowServer } from '../../support/flow-server.js'
import { manualClock } from '../../support/scoring.js'
import { eventually, type TestServices } from '../../support/services.js'

const zone = 'America/New_York' // DST ends on 2026-11-01
const local = (date: string, hhmm: string) =>
  DateTime.fromISO(`${date}T${hhmm}`, { zone }).toMillis()
const clock = manualClock(local('2026-10-20', '08:00'))
let s: TestServices
let t: ReturnType<typeof testApp>
let flow: Awaited<ReturnType<typeof flowServer>>

let h: OutreachHarness
beforeAll(async () => {
  h = await outreachHarness(clock)
  s = h.s
  t = h.t
  flow = h.flow
})
afterAll(() => h.close())

const days = Array.from(
  { length: 30 },
  (_, i) => DateTime.fromISO('2026-10-20').plus({ days: i }).toISODate() ?? '',
)

describe('a 30-day, 2-slot campaign across a DST change', () => {
  it('should create each day at 00:00, call inside the slots in local time, and fail what a slot never reached', async () => {
    const admin = await bearer('1', true)
    const id = await createOutreach(t.app, admin, {
      timezone: zone,
      startDate: '2026-10-20',
      flow: { url: flow.url, timeoutMs: 2000 },
      ratePerSecond: 100,
    })
    // Slot starts follow local time across the change: 14:00Z in EDT, 15:00Z in EST (their
    // release begins SLOT_LEAD_MS ahead).
    expect(await timerDue(s.redis, s.keys, `outreach:${id}:2026-10-31:1:start`)).toBe(
      Date.parse('2026-10-31T14:00:00Z') - SLOT_LEAD_MS,
    )
    expect(await timerDue(s.redis, s.keys, `outreach:${id}:2026-11-02:1:start`)).toBe(
      Date.parse('2026-11-02T15:00:00Z') - SLOT_LEAD_MS,
    )
    expect(await timerDue(s.redis, s.keys, `outreach:${id}:2026-11-01:day`)).toBe(
      Date.parse('2026-11-01T04:00:00Z'),
    )
    expect(await timerDue(s.redis, s.keys, `outreach:${id}:2026-11-02:day`)).toBe(
      Date.parse('2026-11-02T05:00:00Z'),
    )

    await uploadCsv(t.app, admin, `/campaigns/${id}/uploads`, 'phone\n1110001\n1110002\n1110003\n')
    const dayTasks = async (date: string) =>
      s.db
        .selectFrom('flow_task')
        .select(['status', 'reason', 'slot'])
        .where('campaign_id', '=', id)
        .where('task_date', '=', date)
        .execute()
    const settled = async (date: string) =>
      (await dayTasks(date)).every((x) => x.status !== 'IN_PROGRESS')
    const called = new Set(['2026-10-20', '2026-10-31', '2026-11-01', '2026-11-02', '2026-11-18'])

    for (const date of days) {
      clock.set(local(date, '00:00'))
      await eventually(async () => (await dayTasks(date)).length === 6)
      if (called.has(date)) {
        const before = flow.calls.length
        clock.set(local(date, '10:00'))
        await eventually(async () => flow.calls.length === before + 3)
        clock.set(local(date, '17:30'))
        await eventually(async () => flow.calls.length === before + 6)
      }
      clock.set(local(date, '19:00'))
      await eventually(() => settled(date))
    }
    clock.set(local('2026-11-19', '00:00'))
    await new Promise((resolve) => setTimeout(resolve, 300))

    const byDay = await s.db
      .selectFrom('flow_task')
      .select(['task_date', 'status', 'reason', (eb) => eb.fn.countAll<string>().as('n')])
      .where('campaign_id', '=', id)
      .groupBy(['task_date', 'status', 'reason'])
      .orderBy('task_date')
      .execute()
    expect(byDay).toHaveLength(30)
    for (const row of byDay) {
      expect(row.n).toBe('6')
      expect(row.status).toBe(called.has(row.task_date) ? 'COMPLETED' : 'FAILED')
      if (!called.has(row.task_date)) expect(row.reason).toBe('OUT_OF_SLOT_TIME')
    }
    const attempts = await s.db
      .selectFrom('task_attempt')
      .select(['task_date', 'slot', 'started_at'])
      .where('campaign_id', '=', id)
      .execute()
    expect(attempts).toHaveLength(called.size * 6)
    for (const a of attempts) {
      const at = DateTime.fromJSDate(a.started_at).setZone(zone).toFormat('HH:mm')
      expect(
        at >= (a.slot === 1 ? '10:00' : '17:00') && at < (a.slot === 1 ? '12:00' : '19:00'),
      ).toBe(true)
    }
    const dashboard = (await (
      await t.app.request(`/campaigns/${id}/dashboard?date=2026-11-01`, { headers: admin })
    ).json()) as Record<string, unknown>
    expect(dashboard).toMatchObject({
      uploaded: 6,
      attempted: 6,
      completed: 6,
      pending: 0,
      status: 'Completed',
      scheduledTimestamps: ['2026-11-01T15:00:00.000Z', '2026-11-01T22:00:00.000Z'],
    })
  })
})
