import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { jsonBody, testApp } from '../../support/app.js'
import { flowServer } from '../../support/flow-server.js'
import { eventually } from '../../support/services.js'
import {
  useOperationsServices,
  s,
  t,
  flow,
  admin,
  clock,
  kolkata,
  postCampaign,
  newCampaign,
  csv,
  uploadStatus,
  dash,
  invariant,
} from '../../support/outreach-operations.js'

useOperationsServices()

describe('outreach operations', () => {
  it('should cancel every task not yet executed on revoke and refuse later uploads', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign()
    const up = (await (
      await csv(`/campaigns/${id}/uploads`, 'phone\n3000001\n3000002\n3000003\n')
    ).json()) as { requestId: string }
    await uploadStatus(id, up.requestId)
    // One task was called before and waits for its call again (retriggered): not executed yet.
    await s.db
      .updateTable('flow_task')
      .set({ attempts: 1, retriggered: true })
      .where('campaign_id', '=', id)
      .where('phone', '=', '3000003')
      .execute()
    const res = await t.app.request(`/campaigns/${id}`, { method: 'DELETE', headers: admin })
    expect(await res.json()).toEqual({ campaignId: id, status: 'Cancelled', cancelledTasks: 3 })
    const d = await dash(id)
    expect(d).toMatchObject({ cancelled: 3, uploaded: 3, status: 'Cancelled' })
    expect(invariant(d)).toBe(true)
    const later = await csv(`/campaigns/${id}/uploads`, 'phone\n3000003\n')
    expect(later.status).toBe(409)
    expect(await later.json()).toMatchObject({ code: 'campaign_revoked' })
    expect(
      (
        await t.app.request(
          `/campaigns/${id}/retrigger`,
          jsonBody('POST', { date: '2026-11-22' }, admin),
        )
      ).status,
    ).toBe(409)
  })

  it('should call the flow URL a running campaign was changed to, and refuse changing its schedule', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(1)
    const moved = await flowServer()
    try {
      const change = (body: unknown) =>
        t.app.request(`/campaigns/${id}`, jsonBody('PATCH', body, admin))
      const res = await change({ name: 'renamed', flow: { url: moved.url }, ratePerSecond: 20 })
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({
        name: 'renamed',
        ratePerSecond: 20,
        flow: { url: moved.url, timeoutMs: 2000 }, // the rest kept
        slots: [{ start: '10:00', end: '12:00' }],
      })
      // A slotted campaign's calls are not tried again: it takes no retry settings.
      expect(await (await change({ flow: { maxAttempts: 5 } })).json()).toMatchObject({
        status: 400,
        errors: [{ field: 'flow.maxAttempts' }],
      })
      expect(await (await change({ slots: [] })).json()).toMatchObject({
        errors: [{ message: 'only name, flow and ratePerSecond may change, not slots' }],
      })
      for (const body of [{}, { flow: { url: 'ftp://x' } }, { ratePerSecond: 0 }])
        expect(await (await change(body)).json()).toMatchObject({
          status: 400,
          code: 'validation_failed',
        })
      const up = (await (
        await csv(`/campaigns/${id}/uploads`, 'phone\n6000001\n6000002\n6000003\n')
      ).json()) as { requestId: string }
      await uploadStatus(id, up.requestId)
      clock.set(kolkata('2026-11-22', '10:00'))
      await eventually(async () => moved.calls.length === 3)
      expect(flow.calls.filter((c) => c.phone.startsWith('600000'))).toEqual([])
      await t.app.request(`/campaigns/${id}`, { method: 'DELETE', headers: admin })
      expect(await (await change({ name: 'again' })).json()).toMatchObject({
        status: 409,
        code: 'campaign_revoked',
      })
    } finally {
      await moved.close()
    }
  })

  it("should send a campaign's flow headers with each call, show only their names, and refuse reserved or malformed ones", async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const keyed = await flowServer()
    try {
      const create = (headers: unknown) => postCampaign(50, { url: keyed.url, headers })
      const refused = await create({
        'Content-Type': 'text/plain',
        'bad name': 'x',
        'x-line': 'a\r\nx-injected: 1',
        'x-twice': 'a',
        'X-Twice': 'b',
      })
      expect(refused.status).toBe(400)
      expect(
        ((await refused.json()) as { errors: { field: string; message: string }[] }).errors,
      ).toEqual(
        expect.arrayContaining([
          {
            field: 'flow.headers.Content-Type',
            message: 'is set by the executor, not by the campaign',
          },
          { field: 'flow.headers.bad name', message: 'must be an HTTP header name' },
          { field: 'flow.headers.x-line', message: 'must be printable text on one line' },
          { field: 'flow.headers.X-Twice', message: 'is given twice (header names ignore case)' },
        ]),
      )
      const res = await create({ Authorization: 'Bearer flow-secret', 'X-Api-Key': 'k1' })
      expect(res.status).toBe(201)
      const view = (await res.json()) as { campaignId: string; flow: unknown }
      const id = view.campaignId
      expect(view.flow).toMatchObject({ headers: { authorization: '***', 'x-api-key': '***' } })
      expect(
        JSON.stringify(await (await t.app.request(`/campaigns/${id}`, { headers: admin })).json()),
      ).not.toContain('flow-secret')
      const up = (await (await csv(`/campaigns/${id}/uploads`, 'phone\n8100001\n')).json()) as {
        requestId: string
      }
      await uploadStatus(id, up.requestId)
      clock.set(kolkata('2026-11-22', '10:00'))
      await eventually(async () => keyed.calls.length === 1)
      expect(keyed.calls[0]!.headers).toMatchObject({
        authorization: 'Bearer flow-secret',
        'x-api-key': 'k1',
        'content-type': 'application/json',
      })
      // A change replaces the headers as a whole; {} removes them.
      const changed = await t.app.request(
        `/campaigns/${id}`,
        jsonBody('PATCH', { flow: { headers: { 'X-Api-Key': 'k2' } } }, admin),
      )
      expect(((await changed.json()) as { flow: unknown }).flow).toMatchObject({
        url: keyed.url,
        headers: { 'x-api-key': '***' },
      })
      const stored = await s.db
        .selectFrom('campaign')
        .select(sql`settings -> 'flow' -> 'headers'`.as('headers'))
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      expect(stored.headers).toEqual({ 'x-api-key': 'k2' })
      const cleared = await t.app.request(
        `/campaigns/${id}`,
        jsonBody('PATCH', { flow: { headers: {} } }, admin),
      )
      expect(((await cleared.json()) as { flow: object }).flow).not.toHaveProperty('headers')
    } finally {
      await keyed.close()
    }
  })

  it('should call nothing of a paused campaign, let a pause outlast a slot, and call what waits once resumed', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(100)
    const post = (action: string) =>
      t.app.request(`/campaigns/${id}/${action}`, { method: 'POST', headers: admin })
    const called = (phone: string) => flow.calls.filter((c) => c.phone === phone)
    const first = (await (
      await csv(`/campaigns/${id}/uploads`, 'phone\n9100001\n9100002\n')
    ).json()) as { requestId: string }
    await uploadStatus(id, first.requestId)
    const paused = await post('pause')
    expect(paused.status).toBe(200)
    const view = (await paused.json()) as { pausedAt: string; pausedBy: string; status: string }
    expect(view).toMatchObject({ pausedBy: '1', status: 'Running' })
    // Pausing again keeps when it was paused.
    expect(await (await post('pause')).json()).toMatchObject({ pausedAt: view.pausedAt })
    clock.set(kolkata('2026-11-22', '10:00'))
    // An upload while paused is stored and gets its tasks, but they wait too.
    const second = (await (await csv(`/campaigns/${id}/uploads`, 'phone\n9100003\n')).json()) as {
      requestId: string
    }
    await uploadStatus(id, second.requestId)
    await new Promise((r) => setTimeout(r, 800))
    expect(flow.calls.filter((c) => c.phone.startsWith('91000'))).toEqual([])
    expect(await dash(id)).toMatchObject({ uploaded: 3, pending: 3, attempted: 0 })
    // A resume that stopped half-way (stored, but its releases never reached Redis) calls
    // nothing; asking again finishes it.
    await s.db
      .updateTable('campaign')
      .set({ paused_at: null, paused_by: null })
      .where('id', '=', id)
      .execute()
    await new Promise((r) => setTimeout(r, 500))
    expect(flow.calls.filter((c) => c.phone.startsWith('91000'))).toEqual([])
    const resumed = await post('resume')
    expect(resumed.status).toBe(200)
    expect(await resumed.json()).not.toHaveProperty('pausedAt')
    await eventually(async () => (await dash(id)).pending === 0)
    expect(['9100001', '9100002', '9100003'].map((p) => called(p).length)).toEqual([1, 1, 1])
    // Paused past the slot's end: what it did not reach fails as always, and a retrigger made
    // while paused is called once resumed.
    await post('pause')
    const late = (await (await csv(`/campaigns/${id}/uploads`, 'phone\n9100004\n')).json()) as {
      requestId: string
    }
    await uploadStatus(id, late.requestId)
    clock.set(kolkata('2026-11-22', '12:00'))
    await eventually(async () => (await dash(id)).pending === 0)
    expect(await dash(id)).toMatchObject({ uploaded: 4, failed: 1, completed: 3 })
    const again = await t.app.request(
      `/campaigns/${id}/retrigger`,
      jsonBody('POST', { date: '2026-11-22' }, admin),
    )
    expect(await again.json()).toEqual({ retriggered: 1 })
    await new Promise((r) => setTimeout(r, 500))
    expect(called('9100004')).toEqual([])
    await post('resume')
    await eventually(async () => called('9100004').length === 1)
    expect(called('9100004')[0]).toMatchObject({ retriggered: true, attempt: 1 })
    await eventually(async () => (await dash(id)).pending === 0)
    // A campaign whose last day is over cannot be paused (asked of an app whose clock is
    // there, the workers' staying put); a revoked one cannot resume.
    const after = testApp(s, { now: () => kolkata('2026-11-25', '00:00') })
    try {
      const tooLate = await after.app.request(`/campaigns/${id}/pause`, {
        method: 'POST',
        headers: admin,
      })
      expect(await tooLate.json()).toMatchObject({ status: 409, code: 'campaign_ended' })
    } finally {
      after.close()
    }
    await t.app.request(`/campaigns/${id}`, { method: 'DELETE', headers: admin })
    expect(await (await post('resume')).json()).toMatchObject({ code: 'campaign_revoked' })
  })
})
