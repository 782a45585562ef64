import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, jsonBody, type testApp } from '../../support/app.js'
import {
  createOutreach,
  outreachHarness,
  uploadCsv,
  type OutreachHarness,
} from '../../support/outreach.js'
import type { flowServer } from '../../support/flow-server.js'
import { manualClock } from '../../support/scoring.js'
import { eventually, type TestServices } from '../../support/services.js'

const kolkata = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+05:30`)
const clock = manualClock(kolkata('2026-11-22', '08:00'))
let s: TestServices
let t: ReturnType<typeof testApp>
let flow: Awaited<ReturnType<typeof flowServer>>

let h: OutreachHarness
beforeAll(async () => {
  h = await outreachHarness(clock, (call) =>
    call.phone === '3000003' ? { status: 500 } : { status: 200 },
  )
  s = h.s
  t = h.t
  flow = h.flow
})
afterAll(() => h.close())

describe('outreach campaigns without slots', () => {
  it('should call each record at its own scheduled time inside working hours and retry failures after the delay', async () => {
    const admin = await bearer('1', true)
    const campaignId = await createOutreach(t.app, admin, {
      name: 'no slots',
      slots: [],
      days: 2,
      flow: { url: flow.url, timeoutMs: 2000, maxAttempts: 2, retryDelaySeconds: 600 },
      ratePerSecond: 10,
    })
    await uploadCsv(
      t.app,
      admin,
      `/campaigns/${campaignId}/uploads`,
      'phone,scheduled_time\n1000001,\n2000002,2026-11-22T11:00:00+05:30\n3000003,\n',
    )
    const tasks = async () =>
      (
        await s.db
          .selectFrom('flow_task')
          .select(['phone', 'status', 'reason', 'attempts'])
          .where('campaign_id', '=', campaignId)
          .orderBy('phone')
          .execute()
      ).map((x) => `${x.phone} ${x.status} ${x.attempts}${x.reason === null ? '' : ` ${x.reason}`}`)
    await eventually(async () => (await tasks()).length === 3)
    await new Promise((r) => setTimeout(r, 300))
    expect(flow.calls).toEqual([]) // before working hours

    clock.set(kolkata('2026-11-22', '09:00'))
    await eventually(async () => flow.calls.length === 2)
    await eventually(
      async () =>
        (await tasks()).join() ===
        '1000001 COMPLETED 1,2000002 IN_PROGRESS 0,3000003 IN_PROGRESS 1 FLOW_ERROR',
    )

    clock.set(kolkata('2026-11-22', '09:05'))
    await new Promise((r) => setTimeout(r, 300))
    expect(flow.calls).toHaveLength(2) // the retry is not due yet

    clock.set(kolkata('2026-11-22', '09:10'))
    await eventually(async () => flow.calls.length === 3)
    await eventually(async () => (await tasks()).includes('3000003 FAILED 2 FLOW_ERROR'))

    clock.set(kolkata('2026-11-22', '11:00'))
    await eventually(async () => flow.calls.length === 4)
    const made = flow.calls.map((c) => `${c.phone}#${c.attempt}@${c.slot}`)
    expect(made.slice(0, 2).sort()).toEqual(['1000001#1@0', '3000003#1@0'])
    expect(made.slice(2)).toEqual(['3000003#2@0', '2000002#1@0'])
    // The flow server saw the call; its result is recorded right after.
    await eventually(
      async () =>
        (await tasks()).join() ===
        '1000001 COMPLETED 1,2000002 COMPLETED 1,3000003 FAILED 2 FLOW_ERROR',
    )
    const attempts = await s.db
      .selectFrom('task_attempt')
      .select(['phone', 'status'])
      .where('campaign_id', '=', campaignId)
      .where('phone', '=', '3000003')
      .execute()
    expect(attempts).toEqual([
      { phone: '3000003', status: 'FAILED' },
      { phone: '3000003', status: 'FAILED' },
    ])

    // Retriggered after working hours, the failed task waits for the next working hours.
    clock.set(kolkata('2026-11-22', '21:00'))
    const retrigger = await t.app.request(
      `/campaigns/${campaignId}/retrigger`,
      jsonBody('POST', { date: '2026-11-22' }, admin),
    )
    expect(await retrigger.json()).toEqual({ retriggered: 1 })
    await new Promise((r) => setTimeout(r, 300))
    expect(flow.calls).toHaveLength(4)
    clock.set(kolkata('2026-11-23', '09:00'))
    await eventually(async () => flow.calls.length === 5)
    expect(flow.calls[4]).toMatchObject({ phone: '3000003', attempt: 3, retriggered: true })
  })

  it('should read zoneless times in the campaign zone, refuse times past its end, and fail what is still waiting at its end', async () => {
    const admin = await bearer('1', true)
    const campaignId = await createOutreach(t.app, admin, {
      name: 'ends',
      slots: [],
      startDate: '2026-11-23',
      days: 1,
      flow: { url: flow.url, timeoutMs: 1000, maxAttempts: 1, retryDelaySeconds: 0 },
    })
    const phones = (rows: { phone: string }[]) => rows.map((r) => r.phone)
    const res = await uploadCsv(
      t.app,
      admin,
      `/campaigns/${campaignId}/uploads`,
      'phone,scheduled_time\n5000001,2026-11-23 22:00\n5000002,2026-11-24 09:00\n5000003,2026-11-23T10:00\n,2026-11-23 11:00\n',
    )
    const { requestId } = (await res.json()) as { requestId: string }
    const status = async () =>
      (await (
        await t.app.request(`/campaigns/${campaignId}/uploads/${requestId}`, {
          headers: admin,
        })
      ).json()) as {
        status: string
        errors: { row: number; code: string }[]
      }
    await eventually(async () => (await status()).status === 'completed')
    expect((await status()).errors).toMatchObject([
      { row: 2, code: 'after_campaign_end' },
      { row: 4, code: 'missing' },
    ])
    // The refused number's contact says why it was left out.
    const contact = await t.app.request(`/campaigns/${campaignId}/contacts/5000002`, {
      headers: admin,
    })
    expect(await contact.json()).toMatchObject({
      records: [],
      refused: [{ requestId, row: 2, code: 'after_campaign_end' }],
    })

    // 10:00 in Kolkata, not 10:00 UTC (15:30 in Kolkata).
    clock.set(kolkata('2026-11-23', '09:59'))
    await new Promise((r) => setTimeout(r, 300))
    expect(phones(flow.calls)).not.toContain('5000003')
    clock.set(kolkata('2026-11-23', '10:00'))
    await eventually(async () => phones(flow.calls).includes('5000003'))

    // 22:00 is after working hours: that task is never called, and fails when the campaign ends.
    clock.set(kolkata('2026-11-23', '23:59'))
    await new Promise((r) => setTimeout(r, 300))
    clock.set(kolkata('2026-11-24', '00:00'))
    const tasks = () =>
      s.db
        .selectFrom('flow_task')
        .select(['phone', 'status', 'reason'])
        .where('campaign_id', '=', campaignId)
        .orderBy('phone')
        .execute()
    await eventually(async () => (await tasks())[0]?.status === 'FAILED')
    expect(await tasks()).toEqual([
      { phone: '5000001', status: 'FAILED', reason: 'CAMPAIGN_ENDED' },
      { phone: '5000003', status: 'COMPLETED', reason: null },
    ])
    expect(phones(flow.calls)).not.toContain('5000001')
    const dashboard = (await (
      await t.app.request(`/campaigns/${campaignId}/dashboard?date=2026-11-23`, { headers: admin })
    ).json()) as { pending: number; failed: number }
    expect(dashboard).toMatchObject({ pending: 0, failed: 1 })
    // Its tasks are slot 0: that slot's dashboard is the day's; slot 1 does not exist.
    const ofSlot = async (slot: number) =>
      (await (
        await t.app.request(`/campaigns/${campaignId}/dashboard?date=2026-11-23&slot=${slot}`, {
          headers: admin,
        })
      ).json()) as Record<string, unknown>
    expect(await ofSlot(0)).toMatchObject({ slot: 0, uploaded: 2, failed: 1, completed: 1 })
    expect(await ofSlot(1)).toMatchObject({ code: 'no_such_slot' })

    // Nothing retriggered now could be called: no working hours are left, the custom slot is over.
    const retrigger = (body: object) =>
      t.app.request(`/campaigns/${campaignId}/retrigger`, jsonBody('POST', body, admin))
    const noHoursLeft = await retrigger({ date: '2026-11-23' })
    expect(noHoursLeft.status).toBe(409)
    expect(await noHoursLeft.json()).toMatchObject({ code: 'campaign_ended' })
    const over = await retrigger({
      date: '2026-11-23',
      customSlot: { start: '22:00', end: '23:00' },
    })
    expect(over.status).toBe(400)
    expect(await over.json()).toMatchObject({ code: 'custom_slot_over' })

    // One last tick after the flow timeout, then the campaign has no timer left.
    const tick = `outreach:${campaignId}:tick`
    expect(await s.redis.zscore(s.keys.timers, tick)).not.toBeNull()
    clock.set(kolkata('2026-11-24', '00:00') + 6001)
    await eventually(async () => (await s.redis.zscore(s.keys.timers, tick)) === null)
  })
})
