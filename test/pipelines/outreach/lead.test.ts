import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SLOT_LEAD_MS } from '../../../pipelines/outreach/campaign-timers.js'
import {
  createOutreach,
  outreachHarness,
  uploadCsv,
  type OutreachHarness,
} from '../../support/outreach.js'
import { manualClock } from '../../support/scoring.js'
import { eventually } from '../../support/services.js'

const clock = manualClock(Date.parse('2026-11-22T04:00:00Z')) // 09:30 in Kolkata
const slotStart = Date.parse('2026-11-22T10:00:00+05:30')

let h: OutreachHarness
beforeAll(async () => {
  // One number answers slowly: its call is still running when its slot ends.
  h = await outreachHarness(clock, (call) =>
    call.phone === '1110777' ? { status: 200, delayMs: 1500 } : { status: 200 },
  )
})
afterAll(() => h.close())

describe('release ahead of a slot', () => {
  it('should queue a slot’s tasks before it opens and call none of them before its start', async () => {
    const campaignId = await createOutreach(h.t.app, h.admin, {
      days: 1,
      flow: { url: h.flow.url, timeoutMs: 2000 },
      ratePerSecond: 100,
    })
    await uploadCsv(
      h.t.app,
      h.admin,
      `/campaigns/${campaignId}/uploads`,
      'phone\n1110001\n1110002\n',
    )
    const tasks = () =>
      h.s.db.selectFrom('flow_task').selectAll().where('campaign_id', '=', campaignId).execute()
    await eventually(async () => (await tasks()).length === 4)

    // Inside the lead: the release timer fires and the executor gets the slot's tasks early.
    clock.set(slotStart - SLOT_LEAD_MS / 2)
    await eventually(async () => (await h.s.redis.xlen(h.s.keys.outreachDue)) >= 2)
    await sleep(SLOT_LEAD_MS) // the executor holds them (and hands them back) meanwhile
    expect(h.flow.calls).toEqual([])
    expect((await tasks()).every((t) => t.attempts === 0)).toBe(true)

    // The slot opens while a held batch sleeps or once it is read again: each task called once.
    setTimeout(() => clock.set(slotStart), 100)
    await eventually(async () => h.flow.calls.length === 2)
    const attempts = await h.s.db
      .selectFrom('task_attempt')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .execute()
    expect(attempts).toHaveLength(2)
    expect(attempts.every((a) => a.slot === 1 && a.started_at.getTime() >= slotStart)).toBe(true)
    await eventually(async () =>
      (await tasks()).filter((t) => t.slot === 1).every((t) => t.status === 'COMPLETED'),
    )
    expect(h.flow.calls.map((c) => c.phone).sort()).toEqual(['1110001', '1110002'])
  })

  it('should call a slot that opens at 00:00, released before its day’s tasks exist', async () => {
    const campaignId = await createOutreach(h.t.app, h.admin, {
      startDate: '2026-11-23',
      days: 1,
      workingHours: { start: '00:00', end: '12:00' },
      slots: [{ start: '00:00', end: '01:00' }],
      flow: { url: h.flow.url, timeoutMs: 2000 },
    })
    // Uploaded the day before the campaign starts: no tasks until its first day is created.
    const res = await uploadCsv(
      h.t.app,
      h.admin,
      `/campaigns/${campaignId}/uploads`,
      'phone\n1110009\n',
    )
    expect(res.status).toBe(202)
    await eventually(async () => {
      const row = await h.s.db
        .selectFrom('upload_request')
        .select('status')
        .where('campaign_id', '=', campaignId)
        .executeTakeFirst()
      return row?.status === 'completed'
    })
    const before = h.flow.calls.length
    clock.set(Date.parse('2026-11-23T00:00:00+05:30'))
    await eventually(async () => h.flow.calls.some((c) => c.phone === '1110009'))
    expect(h.flow.calls.slice(before).map((c) => [c.phone, c.date, c.slot])).toEqual([
      ['1110009', '2026-11-23', 1],
    ])
  })

  it('should keep the result of a call still running at slot end when its task was released twice', async () => {
    const campaignId = await createOutreach(h.t.app, h.admin, {
      startDate: '2026-11-23',
      days: 1,
      flow: { url: h.flow.url, timeoutMs: 5000 },
    })
    await uploadCsv(h.t.app, h.admin, `/campaigns/${campaignId}/uploads`, 'phone\n1110777\n')
    const task = () =>
      h.s.db
        .selectFrom('flow_task')
        .select(['id', 'status', 'reason', 'attempts'])
        .where('campaign_id', '=', campaignId)
        .where('slot', '=', 1)
        .executeTakeFirst()
    await eventually(async () => (await task()) !== undefined)
    clock.set(Date.parse('2026-11-23T11:59:00+05:30'))
    await eventually(async () => h.flow.calls.some((c) => c.phone === '1110777'))
    // A second release of the task while its call runs (a day's creation finishing late, say),
    // read by the executor after the slot's end: the task must not be failed under the call.
    const running = await task()
    expect(running).toMatchObject({ status: 'IN_PROGRESS', attempts: 1 })
    clock.set(Date.parse('2026-11-23T12:00:00+05:30'))
    await h.s.redis.xadd(h.s.keys.outreachDue, '*', 'taskId', running?.id ?? '', 'attempts', '1')
    await eventually(async () => (await task())?.status !== 'IN_PROGRESS')
    expect(await task()).toMatchObject({ status: 'COMPLETED', reason: null, attempts: 1 })
    expect(h.flow.calls.filter((c) => c.phone === '1110777')).toHaveLength(1)
  })
})
