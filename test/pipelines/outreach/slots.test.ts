import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
import { createFields } from '../../../pipelines/outreach/messages.js'
import { compareIds, groupInfos } from '../../../storage/redis/streams.js'

let s: TestServices
let t: ReturnType<typeof testApp>
let flow: Awaited<ReturnType<typeof flowServer>>
const clock = manualClock(Date.parse('2026-11-22T04:00:00Z')) // 09:30 in Kolkata
const kolkata = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+05:30`)

let h: OutreachHarness
beforeAll(async () => {
  h = await outreachHarness(clock, (call) =>
    call.phone === '1111111'
      ? { status: 500 }
      : call.phone === '2222222'
        ? { status: 200, body: { status: 'PARTIAL_COMPLETE' } }
        : { status: 200 },
  )
  s = h.s
  t = h.t
  flow = h.flow
})
afterAll(() => h.close())

/** The lines logged with `msg`. */
const logged = (msg: string) => s.logged.filter((line) => line.msg === msg)

const statuses = async (campaignId: string, date: string) =>
  (
    await s.db
      .selectFrom('flow_task')
      .select(['phone', 'slot', 'status', 'reason'])
      .where('campaign_id', '=', campaignId)
      .where('task_date', '=', date)
      .orderBy('slot')
      .orderBy('phone')
      .execute()
  ).map((r) => `${r.slot} ${r.phone} ${r.status}${r.reason === null ? '' : ` ${r.reason}`}`)

describe('slots', () => {
  it('should call each task inside its slot, fail the unattempted at slot end, and create the next day at 00:00', async () => {
    const admin = await bearer('1', true)
    const campaignId = await createOutreach(t.app, admin, {
      days: 2,
      flow: { url: flow.url, timeoutMs: 2000 },
      ratePerSecond: 100,
    })
    const upload = await uploadCsv(
      t.app,
      admin,
      `/campaigns/${campaignId}/uploads`,
      'phone,name\n1111111,Fails\n2222222,Partial\n3333333,Fine\n',
    )
    expect(upload.status).toBe(202)
    await eventually(async () => (await statuses(campaignId, '2026-11-22')).length === 6)
    expect(flow.calls).toEqual([])

    clock.set(kolkata('2026-11-22', '10:00'))
    await eventually(async () => flow.calls.length === 3)
    await eventually(
      async () =>
        !(await statuses(campaignId, '2026-11-22')).some(
          (x) => x.startsWith('1 ') && x.includes('IN_PROGRESS'),
        ),
    )
    expect(flow.calls.map((c) => [c.phone, c.slot, c.date, c.attempt, c.retriggered])).toEqual(
      expect.arrayContaining([
        ['1111111', 1, '2026-11-22', 1, false],
        ['2222222', 1, '2026-11-22', 1, false],
        ['3333333', 1, '2026-11-22', 1, false],
      ]),
    )
    expect(flow.calls[0]?.data).toEqual({ name: expect.any(String) as string })
    // Each slot's own dashboard, from the same counters: slot 1 done, slot 2 still ahead.
    const slotDashboard = async (query: string) =>
      t.app.request(`/campaigns/${campaignId}/dashboard?date=2026-11-22${query}`, {
        headers: admin,
      })
    expect(await (await slotDashboard('&slot=1')).json()).toMatchObject({
      slot: 1,
      uploaded: 3,
      attempted: 3,
      pending: 0,
      completed: 1,
      partial: 1,
      failed: 1,
      scheduledTimestamps: ['2026-11-22T04:30:00.000Z'],
      status: 'Completed',
    })
    expect(await (await slotDashboard('&slot=2')).json()).toMatchObject({
      slot: 2,
      uploaded: 3,
      attempted: 0,
      pending: 3,
      scheduledTimestamps: ['2026-11-22T11:30:00.000Z'],
      status: 'Scheduled',
    })
    expect(await (await slotDashboard('')).json()).toMatchObject({ uploaded: 6, pending: 3 })
    expect(await (await slotDashboard('&slot=3')).json()).toMatchObject({
      status: 400,
      code: 'no_such_slot',
    })

    // Past slot 2: its start and end fire together, and nothing may be called after the end.
    clock.set(kolkata('2026-11-22', '19:00'))
    await eventually(
      async () =>
        !(await statuses(campaignId, '2026-11-22')).some((x) => x.includes('IN_PROGRESS')),
    )
    expect(await statuses(campaignId, '2026-11-22')).toEqual([
      '1 1111111 FAILED FLOW_ERROR',
      '1 2222222 PARTIAL_COMPLETE',
      '1 3333333 COMPLETED',
      '2 1111111 FAILED OUT_OF_SLOT_TIME',
      '2 2222222 FAILED OUT_OF_SLOT_TIME',
      '2 3333333 FAILED OUT_OF_SLOT_TIME',
    ])
    expect(flow.calls).toHaveLength(3 + 0)
    expect(logged('upload split')).toEqual([
      expect.objectContaining({
        campaignId,
        rows: { total: 3, accepted: 3, invalid: 0, negative: 0, duplicate: 0 },
        tasks: 6,
      }),
    ])
    expect(logged('slot ended').map(({ slot, unattempted }) => ({ slot, unattempted }))).toEqual([
      { slot: 1, unattempted: 0 },
      { slot: 2, unattempted: 3 },
    ])
    expect(logged('slot ended')[1]?.tasks).toEqual({
      uploaded: 3,
      attempted: 3,
      negative: 0,
      pending: 0,
      cancelled: 0,
      completed: 0,
      partial: 0,
      failed: 3,
    })

    clock.set(kolkata('2026-11-23', '00:00'))
    await eventually(async () => (await statuses(campaignId, '2026-11-23')).length === 6)
    // The first day was created with the campaign, before any upload: no task then.
    await eventually(async () => logged('day tasks created').length === 2)
    expect(logged('day tasks created').map(({ date, tasks }) => ({ date, tasks }))).toEqual([
      { date: '2026-11-22', tasks: 0 },
      { date: '2026-11-23', tasks: 6 },
    ])
    const attempts = await s.db
      .selectFrom('task_attempt')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .execute()
    expect(attempts).toHaveLength(3)
    expect(attempts.find((a) => a.phone === '1111111')).toMatchObject({
      status: 'FAILED',
      reason: 'FLOW_ERROR',
      http_status: 500,
      slot: 1,
    })
  })

  it('should give records uploaded after a slot ended no task for it, even when the day is created later', async () => {
    clock.set(kolkata('2026-11-25', '12:30')) // slot 1 (10:00–12:00) is over, slot 2 ahead
    const campaignId = await createOutreach(t.app, h.admin, {
      startDate: '2026-11-25',
      days: 2,
      flow: { url: flow.url, timeoutMs: 2000 },
    })
    const requestId = await h.upload(
      `/campaigns/${campaignId}/uploads`,
      'phone\n5100001\n5100002\n',
    )
    await h.completed(campaignId, requestId)
    // The day's creation (its 00:00 timer, due since before the campaign existed) runs after
    // the upload: it must not add tasks for the slot that ended before the upload.
    const id = await s.redis.xadd(
      s.keys.outreachWork,
      '*',
      ...createFields(campaignId, '2026-11-25', '0'),
    )
    await eventually(async () => {
      const group = (await groupInfos(s.redis, s.keys.outreachWork)).find(
        (g) => g.name === 'outreach-work',
      )
      return (
        group !== undefined &&
        compareIds(String(group['last-delivered-id']), id ?? '') >= 0 &&
        Number(group.pending) === 0
      )
    })
    expect(await statuses(campaignId, '2026-11-25')).toEqual([
      '2 5100001 IN_PROGRESS',
      '2 5100002 IN_PROGRESS',
    ])
  })
})
