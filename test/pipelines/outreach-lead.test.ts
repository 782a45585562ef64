import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SLOT_LEAD_MS } from '../../pipelines/outreach-campaigns.js'
import { createOutreach, outreachHarness, type OutreachHarness } from '../support/outreach.js'
import { uploadCsv } from '../support/outreach.js'
import { manualClock } from '../support/scoring.js'
import { eventually } from '../support/services.js'

const clock = manualClock(Date.parse('2026-11-22T04:00:00Z')) // 09:30 in Kolkata
const slotStart = Date.parse('2026-11-22T10:00:00+05:30')
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let h: OutreachHarness
beforeAll(async () => {
  h = await outreachHarness(clock)
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
})
