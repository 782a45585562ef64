import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, type testApp } from '../support/app.js'
import {
  createOutreach,
  outreachHarness,
  uploadCsv,
  type OutreachHarness,
} from '../support/outreach.js'
import type { flowServer } from '../support/flow-server.js'
import { manualClock } from '../support/scoring.js'
import { eventually, type TestServices } from '../support/services.js'

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
  })
})
