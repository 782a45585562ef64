import { describe, expect, it } from 'vitest'
import { jsonBody } from '../../support/app.js'
import { eventually } from '../../support/services.js'
import {
  useOperationsServices,
  s,
  t,
  flow,
  admin,
  clock,
  kolkata,
  newCampaign,
  csv,
  uploadStatus,
  dash,
  invariant,
  slow,
} from '../../support/outreach-operations.js'

useOperationsServices()

describe('outreach operations', () => {
  it('should keep numbers of a negative upload from being called, also during a running slot, and on later days', async () => {
    const id = await newCampaign(1) // one call a second: most tasks wait in the queue
    const phones = ['0999999', '1000001', '1000002', '1000003', '1000004']
    const up = (await (
      await csv(`/campaigns/${id}/uploads`, `phone\n${phones.join('\n')}\n`)
    ).json()) as { requestId: string }
    await uploadStatus(id, up.requestId)
    clock.set(kolkata('2026-11-22', '10:00'))
    await eventually(async () => flow.calls.some((c) => c.phone === '0999999'))
    const neg = (await (
      await csv(`/campaigns/${id}/uploads/${up.requestId}/negatives`, 'phone\n1000003\n1000004\n')
    ).json()) as { requestId: string }
    const status = await uploadStatus(id, neg.requestId)
    expect(status).toMatchObject({ numbers: 2, cancelledTasks: 2 })
    await eventually(async () => (await dash(id)).pending === 0, 15_000)
    const day1 = await dash(id)
    expect(day1).toMatchObject({
      uploaded: 5,
      attempted: 3,
      negative: 2,
      pending: 0,
      status: 'Negative upload',
    })
    expect(invariant(day1)).toBe(true)
    expect(flow.calls.filter((c) => ['1000003', '1000004'].includes(c.phone))).toEqual([])
    clock.set(kolkata('2026-11-23', '00:00'))
    await eventually(async () => (await dash(id, '2026-11-23')).uploaded === 3)
  })

  it('should refuse a retrigger before the slot is over and while calls run, then queue the unfinished tasks', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    slow.phone = '7777777'
    const id = await newCampaign(50)
    const up = (await (
      await csv(`/campaigns/${id}/uploads`, 'phone\n2000001\n2000009\n7777777\n')
    ).json()) as { requestId: string }
    await uploadStatus(id, up.requestId)
    const early = await t.app.request(
      `/campaigns/${id}/retrigger`,
      jsonBody('POST', { date: '2026-11-22', slot: 1 }, admin),
    )
    expect(early.status).toBe(409)
    expect(await early.json()).toMatchObject({
      code: 'slot_not_over',
      title:
        'The tasks of slot 1 on 2026-11-22 can be retriggered once it is over, at 2026-11-22T06:30:00.000Z',
      overAt: '2026-11-22T06:30:00.000Z', // 12:00 in Kolkata
    })
    clock.set(kolkata('2026-11-22', '11:59'))
    await eventually(async () => flow.calls.some((c) => c.phone === '7777777'))
    clock.set(kolkata('2026-11-22', '12:00'))
    const busy = await t.app.request(
      `/campaigns/${id}/retrigger`,
      jsonBody('POST', { date: '2026-11-22', slot: 1 }, admin),
    )
    expect(busy.status).toBe(409)
    expect(await busy.json()).toMatchObject({ code: 'tasks_in_progress' })
    await eventually(async () => (await dash(id)).pending === 0)
    expect(await dash(id)).toMatchObject({ completed: 2, failed: 1 })
    const ok = await t.app.request(
      `/campaigns/${id}/retrigger`,
      jsonBody('POST', { date: '2026-11-22', slot: 1 }, admin),
    )
    expect(ok.status).toBe(202)
    expect(await ok.json()).toEqual({ retriggered: 1 })
    await eventually(async () => flow.calls.filter((c) => c.phone === '2000009').length === 2)
    const again = flow.calls.filter((c) => c.phone === '2000009')
    expect(again.map((c) => [c.attempt, c.retriggered])).toEqual([
      [1, false],
      [2, true],
    ])
    await eventually(async () => (await dash(id)).pending === 0)
    expect(await dash(id)).toMatchObject({ status: 'Rescheduled', failed: 1, attempted: 3 })
    const raw = await (
      await t.app.request(`/campaigns/${id}/reports/raw?date=2026-11-22`, { headers: admin })
    ).text()
    const rows = raw.split('\n').filter(Boolean)
    expect(rows).toHaveLength(1 + 4)
    expect(rows[0]).toBe(
      'started_at,attempt_id,request_id,phone,slot,status,reason,duration_ms,task_id,attempt,http_status',
    )
    // The failing phone's two calls: the first and the retriggered one, both answered 503.
    const failing = rows.filter((r) => r.split(',')[3] === '2000009').map((r) => r.split(','))
    expect(failing.map((r) => [r[4], r[5], r[6], r[9], r[10]])).toEqual([
      ['1', 'FAILED', 'FLOW_ERROR', '1', '503'],
      ['1', 'FAILED', 'FLOW_ERROR', '2', '503'],
    ])
    expect(failing[0]![8]).toBe(failing[1]![8])
    expect(rows.filter((r) => r.endsWith(',1,200'))).toHaveLength(2)
    // Filtered: the failed calls only, a slot the campaign has not, and filters the EOD report
    // does not take.
    const report = async (query: string) =>
      t.app.request(`/campaigns/${id}/reports/${query}`, { headers: admin })
    const failed = (await (await report('raw?date=2026-11-22&status=FAILED')).text())
      .split('\n')
      .filter(Boolean)
    expect(failed.slice(1).map((r) => r.split(',')[3])).toEqual(['2000009', '2000009'])
    expect(await (await report('raw?date=2026-11-22&slot=1&status=IN_FLIGHT')).text()).toBe(
      `${rows[0]}\n`,
    )
    const lines = async (query: string) =>
      (await (await report(query)).text()).split('\n').filter(Boolean).length
    expect([
      await lines('raw?date=2026-11-22&slot=1'),
      await lines('raw?date=2026-11-22&slot=2'),
    ]).toEqual([5, 1])
    expect((await report('raw?date=2026-11-22&status=DONE')).status).toBe(400)
    expect(await (await report('eod?date=2026-11-22&slot=1')).json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'slot' }],
    })
    const eod = await (
      await t.app.request(`/campaigns/${id}/reports/eod?date=2026-11-22`, { headers: admin })
    ).text()
    expect(eod).toBe('slot,status,reason,tasks\n1,COMPLETED,,2\n1,FAILED,FLOW_ERROR,1\n')
  })

  it('should retrigger only the failed tasks of the reasons asked for', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(50)
    const up = (await (
      await csv(`/campaigns/${id}/uploads`, 'phone\n8200001\n8200002\n8200003\n8200004\n')
    ).json()) as { requestId: string }
    await uploadStatus(id, up.requestId)
    // How the slot ended for each, as if called: the flow errored, the flow said FAILED, a
    // partial call, and one the slot never reached.
    const ended = async (phone: string, status: string, reason: string | null) =>
      s.db
        .updateTable('flow_task')
        .set({ status: status as 'FAILED', reason, attempts: 1 })
        .where('campaign_id', '=', id)
        .where('phone', '=', phone)
        .execute()
    await ended('8200001', 'FAILED', 'FLOW_ERROR')
    await ended('8200002', 'FAILED', 'FLOW_FAILED')
    await ended('8200003', 'PARTIAL_COMPLETE', null)
    await ended('8200004', 'FAILED', 'OUT_OF_SLOT_TIME')
    clock.set(kolkata('2026-11-22', '12:00'))
    const retrigger = (body: unknown) =>
      t.app.request(`/campaigns/${id}/retrigger`, jsonBody('POST', body, admin))
    expect((await retrigger({ date: '2026-11-22', reasons: ['SOMETHING'] })).status).toBe(400)
    const res = await retrigger({ date: '2026-11-22', reasons: ['FLOW_ERROR', 'OUT_OF_SLOT_TIME'] })
    expect(await res.json()).toEqual({ retriggered: 2 })
    const tasks = await s.db
      .selectFrom('flow_task')
      .select(['phone', 'retriggered'])
      .where('campaign_id', '=', id)
      .orderBy('phone')
      .execute()
    expect(tasks.map((t) => [t.phone, t.retriggered])).toEqual([
      ['8200001', true],
      ['8200002', false],
      ['8200003', false],
      ['8200004', true],
    ])
    await eventually(async () => flow.calls.filter((c) => c.phone.startsWith('82000')).length === 2)
    expect(
      flow.calls
        .filter((c) => c.phone.startsWith('82000'))
        .map((c) => c.phone)
        .sort(),
    ).toEqual(['8200001', '8200004'])
  })

  it('should fail the retriggered tasks a custom slot did not reach once it ends, without another retrigger', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(50)
    const up = (await (
      await csv(`/campaigns/${id}/uploads`, 'phone\n8300001\n8300002\n')
    ).json()) as { requestId: string }
    await uploadStatus(id, up.requestId)
    await s.db
      .updateTable('flow_task')
      .set({ status: 'FAILED', reason: 'FLOW_ERROR', attempts: 1 })
      .where('campaign_id', '=', id)
      .execute()
    clock.set(kolkata('2026-11-22', '12:30'))
    const retrigger = await t.app.request(
      `/campaigns/${id}/retrigger`,
      jsonBody(
        'POST',
        { date: '2026-11-22', slot: 1, customSlot: { start: '13:00', end: '13:01' } },
        admin,
      ),
    )
    expect(await retrigger.json()).toEqual({ retriggered: 2 })
    // Paused through its custom slot: nothing reaches them.
    const paused = await t.app.request(`/campaigns/${id}/pause`, { method: 'POST', headers: admin })
    expect(paused.status).toBe(200)
    clock.set(kolkata('2026-11-22', '13:02'))
    const settled = await eventually(async () => {
      const tasks = await s.db
        .selectFrom('flow_task')
        .select(['phone', 'status', 'reason'])
        .where('campaign_id', '=', id)
        .orderBy('phone')
        .execute()
      return tasks.every((task) => task.status === 'FAILED') ? tasks : undefined
    })
    expect(settled).toEqual([
      { phone: '8300001', status: 'FAILED', reason: 'OUT_OF_SLOT_TIME' },
      { phone: '8300002', status: 'FAILED', reason: 'OUT_OF_SLOT_TIME' },
    ])
    expect(flow.calls.filter((c) => c.phone.startsWith('83000'))).toEqual([])
  })
})
