import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importDoNotCall } from '../../../pipelines/outreach/do-not-call.js'
import { CHUNK, eachChunk } from '../../../pipelines/files/file-chunks.js'
import { splitUpload } from '../../../pipelines/outreach/upload-split.actor.js'
import { startWorkers, type Workers } from '../../../pipelines/workers.js'
import { ANALYZE_AFTER_ROWS } from '../../../storage/postgres/database.js'
import { insertDoNotCallImport } from '../../../storage/postgres/outreach/do-not-call-import.repository.js'
import { startFileJob } from '../../../storage/postgres/file-job.repository.js'
import {
  insertUploadRequest,
  isWithdrawn,
} from '../../../storage/postgres/outreach/upload-request.repository.js'
import { bearer, jsonBody, testApp } from '../../support/app.js'
import { flowServer } from '../../support/flow-server.js'
import { importDoNotCallList } from '../../support/outreach.js'
import { runningClock, scoringDeps } from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
let t: ReturnType<typeof testApp>
let workers: Workers
let flow: Awaited<ReturnType<typeof flowServer>>
let admin: Record<string, string>
const clock = runningClock(Date.parse('2026-11-22T09:30:00+05:30'))
const kolkata = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+05:30`)
// Calls to the slow phone hang long enough for a negative upload to land while the slot runs.
let slowPhone = '0999999'

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s, clock)
  admin = await bearer('1', true)
  flow = await flowServer((call) =>
    call.phone === slowPhone
      ? { status: 200, delayMs: 400 }
      : call.phone.endsWith('9')
        ? { status: 503 }
        : { status: 200 },
  )
  workers = await startWorkers(
    {
      ...scoringDeps(s, clock),
      actorOptions: {
        blockMs: 50,
        visibilityTimeoutMs: 5000,
        reclaimEveryMs: 200,
        maxDeliveries: 3,
      },
    },
    ['timers', 'upload-split', 'outreach-work', 'executor'],
  )
})
afterAll(async () => {
  await workers.stop()
  await flow.close()
  t.close()
  await s.close()
})

/** Creates the file's usual campaign (one slot, 10:00–12:00 in Kolkata), with `flow` if given. */
const postCampaign = (rate = 1, flowSettings: Record<string, unknown> = {}) =>
  t.app.request(
    '/campaigns',
    jsonBody(
      'POST',
      {
        type: 'outreach',
        name: 'ops',
        timezone: 'Asia/Kolkata',
        workingHours: { start: '09:00', end: '21:00' },
        slots: [{ start: '10:00', end: '12:00' }],
        startDate: '2026-11-22',
        days: 3,
        flow: { url: flow.url, timeoutMs: 2000, ...flowSettings },
        ratePerSecond: rate,
      },
      admin,
    ),
  )
const newCampaign = async (rate = 1) =>
  ((await (await postCampaign(rate)).json()) as { campaignId: string }).campaignId
const csv = (path: string, body: string) =>
  t.app.request(path, { method: 'POST', body, headers: { ...admin, 'content-type': 'text/csv' } })
const uploadStatus = async (id: string, requestId: string) =>
  eventually(async () => {
    const body = (await (
      await t.app.request(`/campaigns/${id}/uploads/${requestId}`, { headers: admin })
    ).json()) as {
      status: string
    }
    return body.status === 'completed' ? body : undefined
  })
const dash = async (id: string, date = '2026-11-22') =>
  (await (
    await t.app.request(`/campaigns/${id}/dashboard?date=${date}`, { headers: admin })
  ).json()) as Record<string, number | string>
const invariant = (d: Record<string, number | string>) =>
  Number(d.uploaded) ===
  Number(d.attempted) + Number(d.pending) + Number(d.negative) + Number(d.cancelled)

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
    slowPhone = '7777777'
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
        flow: { url: moved.url, timeoutMs: 2000, maxAttempts: 3 }, // the rest kept
        slots: [{ start: '10:00', end: '12:00' }],
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

  it('should leave numbers on the global do-not-call list out at upload', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const numbers = 'phone\n4000001\nnope\n4000009,ragged\n'
    const added = await importDoNotCallList(t.app, admin, numbers)
    expect(added).toMatchObject({
      status: 'completed',
      bytes: numbers.length,
      rowsRead: 3,
      rows: { total: 3, added: 1, invalid: 2 },
      invalid: [
        { row: 2, phone: 'nope' },
        { row: 3, phone: '4000009' },
      ],
    })
    // A worker that died after adding the numbers, before completing: run again, the import
    // reports the same.
    await s.db
      .updateTable('do_not_call_import')
      .set({ status: 'processing', total: 0, added: 0, invalid: 0 })
      .where('id', '=', added.importId)
      .execute()
    await importDoNotCall(scoringDeps(s, clock), added.importId)
    const rerun = await t.app.request(`/do-not-call/imports/${added.importId}`, { headers: admin })
    expect(await rerun.json()).toMatchObject({ rows: { total: 3, added: 1, invalid: 2 } })
    // The same list again adds nothing new.
    expect(await importDoNotCallList(t.app, admin, numbers)).toMatchObject({
      rows: { total: 3, added: 0, invalid: 2 },
    })
    expect(
      (await t.app.request(`/do-not-call/imports/${crypto.randomUUID()}`, { headers: admin }))
        .status,
    ).toBe(404)
    // Both imports, newest first, in pages.
    type Listed = { imports: { importId: string; rows: object }[]; next?: string }
    const page = async (query: string) =>
      (await (
        await t.app.request(`/do-not-call/imports${query}`, { headers: admin })
      ).json()) as Listed
    const firstPage = await page('?limit=1')
    expect(firstPage.imports).toHaveLength(1)
    expect(firstPage.imports[0]?.importId).not.toBe(added.importId)
    const secondPage = await page(`?limit=1&before=${firstPage.next ?? ''}`)
    expect(secondPage.imports.map((i) => i.importId)).toEqual([added.importId])
    // A file that cannot be read is refused whole, saying why.
    for (const [body, code] of [
      ['phone\n4000003\n"4000004\n', 'malformed_csv'],
      ['phone\n40"00004\n', 'malformed_csv'],
      ['mobile\n4000004\n', 'missing_column'],
      ['', 'empty_file'],
    ]) {
      const refused = await csv('/do-not-call', body ?? '')
      expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([
        400,
        code,
      ])
    }
    const id = await newCampaign()
    const up = (await (
      await csv(`/campaigns/${id}/uploads`, 'phone\n4000001\n4000002\n')
    ).json()) as { requestId: string }
    expect(await uploadStatus(id, up.requestId)).toMatchObject({
      rows: { total: 2, accepted: 1, negative: 1, invalid: 0, duplicate: 0 },
    })
    const list = (await (
      await t.app.request('/campaigns?type=outreach', { headers: admin })
    ).json()) as {
      campaigns: { campaignId: string; today: Record<string, unknown> }[]
    }
    expect(list.campaigns.find((c) => c.campaignId === id)?.today).toEqual({
      date: '2026-11-22',
      uploaded: 1,
      attempted: 0,
      negative: 0,
      pending: 1,
      cancelled: 0,
      completed: 0,
      partial: 0,
      failed: 0,
    })

    // Looked up, taken off the list, then uploaded again: now it is stored.
    const listed = await t.app.request('/do-not-call/4000001', { headers: admin })
    expect(await listed.json()).toMatchObject({ phone: '4000001', addedBy: '1' })
    expect(
      (await t.app.request('/do-not-call/40-000-01', { method: 'DELETE', headers: admin })).status,
    ).toBe(204)
    const gone = await t.app.request('/do-not-call/4000001', { headers: admin })
    expect(gone.status).toBe(404)
    expect(await gone.json()).toMatchObject({ code: 'not_on_do_not_call_list' })
    expect(
      (await t.app.request('/do-not-call/4000001', { method: 'DELETE', headers: admin })).status,
    ).toBe(404)
    expect((await t.app.request('/do-not-call/nope', { headers: admin })).status).toBe(400)
    expect((await t.app.request('/do-not-call/4000001')).status).toBe(401)
    const again = (await (await csv(`/campaigns/${id}/uploads`, 'phone\n4000001\n')).json()) as {
      requestId: string
    }
    expect(await uploadStatus(id, again.requestId)).toMatchObject({
      rows: { total: 1, accepted: 1, negative: 0 },
    })
  })

  it('should show an outreach campaign Scheduled, Running, Ended by its days, and Cancelled', async () => {
    clock.set(kolkata('2026-11-21', '23:59'))
    const id = await newCampaign()
    const statusAt = async (at: number) => {
      const view = testApp(s, { now: () => at })
      try {
        const one = (await (
          await view.app.request(`/campaigns/${id}`, { headers: admin })
        ).json()) as {
          status: string
        }
        const list = (await (
          await view.app.request('/campaigns?type=outreach', { headers: admin })
        ).json()) as {
          campaigns: { campaignId: string; status: string }[]
        }
        expect(list.campaigns.find((c) => c.campaignId === id)?.status).toBe(one.status)
        // Listed under its status, and under no other.
        for (const status of ['Scheduled', 'Running', 'Ended', 'Cancelled']) {
          const listed = (await (
            await view.app.request(`/campaigns?type=outreach&status=${status}`, { headers: admin })
          ).json()) as { campaigns: { campaignId: string; status: string }[] }
          expect(listed.campaigns.every((c) => c.status === status)).toBe(true)
          expect(listed.campaigns.some((c) => c.campaignId === id)).toBe(status === one.status)
        }
        return one.status
      } finally {
        view.close()
      }
    }
    expect(await statusAt(kolkata('2026-11-21', '23:59'))).toBe('Scheduled')
    expect(await statusAt(kolkata('2026-11-22', '00:00'))).toBe('Running')
    expect(await statusAt(kolkata('2026-11-24', '23:59'))).toBe('Running')
    expect(await statusAt(kolkata('2026-11-25', '00:00'))).toBe('Ended')
    const late = testApp(s, { now: () => kolkata('2026-11-25', '00:00') })
    const refused = await late.app.request(`/campaigns/${id}/uploads`, {
      method: 'POST',
      body: 'phone\n5000001\n',
      headers: { ...admin, 'content-type': 'text/csv' },
    })
    late.close()
    expect(refused.status).toBe(409)
    expect(await refused.json()).toMatchObject({ code: 'campaign_ended' })
    await t.app.request(`/campaigns/${id}`, { method: 'DELETE', headers: admin })
    expect(await statusAt(kolkata('2026-11-22', '09:30'))).toBe('Cancelled')
    expect(await statusAt(kolkata('2026-11-25', '00:00'))).toBe('Cancelled')
  })

  it('should answer the dashboard and reports for the campaign’s days only, by default the nearest', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign()
    const at = async (now: number, path: string) => {
      const view = testApp(s, { now: () => now })
      try {
        return await view.app.request(`/campaigns/${id}${path}`, { headers: admin })
      } finally {
        view.close()
      }
    }
    const dayOf = async (now: number) =>
      ((await (await at(now, '/dashboard')).json()) as { date: string }).date
    expect(await dayOf(kolkata('2026-11-20', '12:00'))).toBe('2026-11-22')
    expect(await dayOf(kolkata('2026-11-23', '12:00'))).toBe('2026-11-23')
    expect(await dayOf(kolkata('2026-12-20', '12:00'))).toBe('2026-11-24')
    const report = await at(kolkata('2026-12-20', '12:00'), '/reports/eod')
    expect(report.headers.get('content-disposition')).toContain(`${id}-eod-2026-11-24.csv`)
    await report.text()

    for (const path of ['/dashboard?date=2026-11-25', '/reports/raw?date=2026-11-21']) {
      const refused = await at(kolkata('2026-11-22', '12:00'), path)
      expect(refused.status).toBe(400)
      const problem = (await refused.json()) as { title: string }
      expect(problem).toMatchObject({
        code: 'not_a_campaign_day',
        firstDay: '2026-11-22',
        lastDay: '2026-11-24',
      })
      expect(problem.title).toMatch(/runs from 2026-11-22 to 2026-11-24 \(Asia\/Kolkata\)$/)
    }
  })

  it('should withdraw an upload: its tasks cancelled, and no later day, retrigger or call for it', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(10)
    const upload = async (phones: string) => {
      const { requestId } = (await (
        await csv(`/campaigns/${id}/uploads`, `phone\n${phones}\n`)
      ).json()) as { requestId: string }
      await uploadStatus(id, requestId)
      return requestId
    }
    const wrong = await upload('6100001\n6100002')
    const right = await upload('6100003')
    const withdraw = (requestId: string) =>
      t.app.request(`/campaigns/${id}/uploads/${requestId}`, { method: 'DELETE', headers: admin })

    const first = (await (await withdraw(wrong)).json()) as { withdrawnAt: string }
    expect(first).toMatchObject({ requestId: wrong, cancelledTasks: 2 })
    expect(await (await withdraw(wrong)).json()).toEqual({
      ...first,
      requestId: wrong,
      cancelledTasks: 2,
    })
    const shown = await t.app.request(`/campaigns/${id}/uploads/${wrong}`, { headers: admin })
    expect(await shown.json()).toMatchObject({ withdrawnAt: first.withdrawnAt })

    clock.set(kolkata('2026-11-22', '10:00'))
    await eventually(async () => flow.calls.some((c) => c.phone === '6100003'))
    clock.set(kolkata('2026-11-22', '12:00'))
    await eventually(async () => (await dash(id)).pending === 0)
    expect(flow.calls.filter((c) => c.phone.startsWith('610000')).map((c) => c.phone)).toEqual([
      '6100003',
    ])
    // A task of the withdrawn upload that had failed is not retriggered.
    await s.db
      .updateTable('flow_task')
      .set({ status: 'FAILED', reason: 'FLOW_ERROR' })
      .where('request_id', '=', wrong)
      .where('phone', '=', '6100001')
      .execute()
    const retriggered = await t.app.request(
      `/campaigns/${id}/retrigger`,
      jsonBody('POST', { date: '2026-11-22' }, admin),
    )
    expect(await retriggered.json()).toEqual({ retriggered: 0 })
    // The next day has tasks for the upload that stands only.
    clock.set(kolkata('2026-11-23', '00:00'))
    await eventually(async () => (await dash(id, '2026-11-23')).uploaded === 1)
    const nextDay = await s.db
      .selectFrom('flow_task')
      .select('request_id')
      .where('campaign_id', '=', id)
      .where('task_date', '=', '2026-11-23')
      .execute()
    expect(nextDay.map((task) => task.request_id)).toEqual([right])
  })
})

/** A promise (`opened`) and what resolves it (`open`). */
function latch(): { open: () => void; opened: Promise<void> } {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { open, opened }
}

/**
 * Locks `table` (ACCESS EXCLUSIVE) in a transaction of its own until `release`; `holder`
 * settles when that transaction has ended.
 */
async function holdTable(table: string): Promise<{ release: () => void; holder: Promise<void> }> {
  const { open: release, opened: held } = latch()
  const { open: locked, opened: isLocked } = latch()
  const holder = s.db.transaction().execute(async (trx) => {
    await sql`LOCK TABLE ${sql.table(table)} IN ACCESS EXCLUSIVE MODE`.execute(trx)
    locked()
    await held
  })
  await isLocked
  return { release, holder }
}

describe('a big file being processed', () => {
  it('should record the rows stored so far, which its status shows while processing', async () => {
    const importId = randomUUID()
    const fileKey = `progress/${importId}.csv`
    const rows = 2 * CHUNK + 2000
    const phones = Array.from({ length: rows }, (_, i) => String(5_000_000 + i))
    const bytes = await s.files.write(fileKey, Readable.from([`phone\n${phones.join('\n')}\n`]))
    await insertDoNotCallImport(s.db, { id: importId, fileKey, bytes, createdBy: '1' })
    await startFileJob(s.db, 'do_not_call_import', importId)
    const status = async () =>
      (await (
        await t.app.request(`/do-not-call/imports/${importId}`, { headers: admin })
      ).json()) as { status: string; bytes: number; rowsRead: number }
    const atChunkStart: number[] = []
    const job = { table: 'do_not_call_import', id: importId, fileKey } as const
    const read = await eachChunk(
      scoringDeps(s, clock),
      job,
      async () => {
        atChunkStart.push((await status()).rowsRead)
      },
      0, // every chunk recorded
    )
    expect(read).toBe(true)
    // Two chunks are stored at once: the third starts once one of the first two is recorded.
    expect(atChunkStart).toHaveLength(3)
    expect(atChunkStart[0]).toBe(0)
    expect(atChunkStart[2]).toBeGreaterThanOrEqual(CHUNK)
    expect(await status()).toEqual(
      expect.objectContaining({ status: 'processing', bytes, rowsRead: rows }),
    )
  })
})

/** An accepted upload of `phones` that no worker has seen (its entry is not queued). */
const unqueued = async (campaignId: string, phones: string[]) => {
  const id = randomUUID()
  const fileKey = `uploads/${campaignId}/${id}.csv`
  await s.files.write(fileKey, Readable.from([`phone\n${phones.join('\n')}\n`]))
  await insertUploadRequest(s.db, {
    id,
    campaignId,
    kind: 'contacts',
    parentId: null,
    fileKey,
    bytes: 0,
    createdBy: '1',
  })
  return id
}

describe('withdrawing an upload that is not split yet', () => {
  const tasksOf = async (requestId: string) =>
    s.db
      .selectFrom('flow_task')
      .select(['status', 'reason'])
      .where('request_id', '=', requestId)
      .execute()
  const deps = () => ({ ...scoringDeps(s, clock), stopping: new AbortController().signal })

  it('should store its records without tasks when it was withdrawn before the split', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(10)
    const requestId = await unqueued(id, ['6200001', '6200002'])
    const withdrawn = await t.app.request(`/campaigns/${id}/uploads/${requestId}`, {
      method: 'DELETE',
      headers: admin,
    })
    expect(await withdrawn.json()).toMatchObject({ requestId, cancelledTasks: 0 })
    await splitUpload(deps(), requestId)
    expect(await tasksOf(requestId)).toEqual([])
    const status = await uploadStatus(id, requestId)
    expect(status).toMatchObject({ rows: { total: 2, accepted: 2 } })
    expect(status).toHaveProperty('withdrawnAt')
  })

  it('should cancel the tasks of chunks stored before a withdrawal that came during the split', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(10)
    const phones = Array.from({ length: CHUNK + 10 }, (_, i) => String(6300000 + i))
    const requestId = await unqueued(id, phones)
    // The file pauses after its first chunk (and a few rows: the parser holds the last line
    // back until it sees more) until the upload is withdrawn.
    const { open: resume, opened: paused } = latch()
    const lines = ['phone', ...phones].map((p) => `${p}\n`)
    async function* file() {
      yield Buffer.from(lines.slice(0, CHUNK + 6).join(''))
      await paused
      yield Buffer.from(lines.slice(CHUNK + 6).join(''))
    }
    const splitting = splitUpload(
      { ...deps(), files: { ...s.files, read: () => Readable.from(file()) } },
      requestId,
    )
    await eventually(async () => (await tasksOf(requestId)).length === CHUNK)
    const res = await t.app.request(`/campaigns/${id}/uploads/${requestId}`, {
      method: 'DELETE',
      headers: admin,
    })
    expect(res.status).toBe(200)
    resume()
    await splitting
    const tasks = await tasksOf(requestId)
    expect(tasks).toHaveLength(CHUNK) // none for the chunk read after the withdrawal
    expect(new Set(tasks.map((t) => `${t.status}/${t.reason}`))).toEqual(
      new Set(['CANCELLED/UPLOAD_WITHDRAWN']),
    )
    expect(await uploadStatus(id, requestId)).toMatchObject({
      rows: { total: CHUNK + 10, accepted: CHUNK + 10 },
    })
  })
})

describe('withdrawing an upload while a chunk of it is being written', () => {
  it('should cancel the tasks that chunk made once the split ends', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(10)
    const requestId = randomUUID()
    const fileKey = `uploads/${id}/${requestId}.csv`
    await s.files.write(fileKey, Readable.from([Buffer.from('phone\n6400001\n6400002\n')]))
    await insertUploadRequest(s.db, {
      id: requestId,
      campaignId: id,
      kind: 'contacts',
      parentId: null,
      fileKey,
      bytes: 0,
      createdBy: '1',
    })
    // The chunk's statement reads the do-not-call list: holding that table keeps it waiting
    // after it found the upload not withdrawn.
    const { release, holder } = await holdTable('do_not_call')
    try {
      const splitting = splitUpload(
        { ...scoringDeps(s, clock), stopping: new AbortController().signal },
        requestId,
      )
      // The split's statement waits for the table (the workers' reads of it may wait too).
      await eventually(async () => {
        const { rows } = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_locks l
          JOIN pg_class c ON c.oid = l.relation
          JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE c.relname = 'do_not_call' AND c.relnamespace = ${s.schema}::regnamespace
            AND NOT l.granted AND a.query LIKE '%INSERT INTO outreach_record%'`.execute(s.db)
        return rows[0]?.n === 1
      })
      const withdrawn = await t.app.request(`/campaigns/${id}/uploads/${requestId}`, {
        method: 'DELETE',
        headers: admin,
      })
      expect(await withdrawn.json()).toMatchObject({ cancelledTasks: 0 }) // none made yet
      release()
      await splitting
    } finally {
      release()
      await holder
    }
    const tasks = await s.db
      .selectFrom('flow_task')
      .select(['status', 'reason'])
      .where('request_id', '=', requestId)
      .execute()
    expect(tasks).toEqual([
      { status: 'CANCELLED', reason: 'UPLOAD_WITHDRAWN' },
      { status: 'CANCELLED', reason: 'UPLOAD_WITHDRAWN' },
    ])
  })
})

describe('withdrawing a big upload', () => {
  it('should make the withdrawal seen before its tasks are cancelled, so a split under way stops making tasks', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(10)
    const { requestId } = (await (
      await csv(`/campaigns/${id}/uploads`, 'phone\n6500001\n6500002\n')
    ).json()) as { requestId: string }
    await uploadStatus(id, requestId)
    // Cancelling reads the open calls: holding that table holds the cancelling, as the
    // cancelling of a million tasks takes seconds.
    const { release, holder } = await holdTable('task_attempt')
    const answer = t.app.request(`/campaigns/${id}/uploads/${requestId}`, {
      method: 'DELETE',
      headers: admin,
    })
    try {
      // What a split checks before each chunk.
      await eventually(() => isWithdrawn(s.db, requestId))
    } finally {
      release()
      await holder
    }
    expect(await (await answer).json()).toMatchObject({ requestId, cancelledTasks: 2 })
  })
})

describe('a contact of an outreach campaign', () => {
  const contact = (id: string, phone: string) =>
    t.app.request(`/campaigns/${id}/contacts/${encodeURIComponent(phone)}`, { headers: admin })

  it('should show what became of a number: its records, negatives, tasks and calls', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const id = await newCampaign(50)
    const upload = async (body: string) =>
      ((await (await csv(`/campaigns/${id}/uploads`, body)).json()) as { requestId: string })
        .requestId
    const first = await upload('phone,name\n5000009,Asha\n5000001,Ravi\n')
    const second = await upload('phone,name\n5000009,Asha again\n')
    await uploadStatus(id, first)
    await uploadStatus(id, second)
    const negatives = (await (
      await csv(`/campaigns/${id}/uploads/${second}/negatives`, 'phone\n5000009\n')
    ).json()) as { requestId: string }
    await uploadStatus(id, negatives.requestId)
    await importDoNotCallList(t.app, admin, 'phone\n5000001\n5000002\n5000004\n')
    clock.set(kolkata('2026-11-22', '10:00'))
    await eventually(async () => (await dash(id)).pending === 0)

    const asha = await contact(id, '500-0009')
    expect(asha.status).toBe(200)
    expect(await asha.json()).toMatchObject({
      campaignId: id,
      phone: '5000009',
      doNotCall: null,
      records: [
        {
          requestId: first,
          row: 1,
          data: { name: 'Asha' },
          negative: false,
          negativeUploads: [],
          tasks: [
            {
              date: '2026-11-22',
              slot: 1,
              status: 'FAILED',
              reason: 'FLOW_ERROR',
              retriggered: false,
              attempts: [{ attempt: 1, status: 'FAILED', reason: 'FLOW_ERROR', httpStatus: 503 }],
            },
          ],
        },
        {
          requestId: second,
          data: { name: 'Asha again' },
          negative: true,
          negativeUploads: [negatives.requestId],
          tasks: [{ date: '2026-11-22', status: 'NEGATIVE', attempts: [] }],
        },
      ],
    })
    // Listed after its upload, before the slot: the check before the call kept it from a call.
    expect(await (await contact(id, '5000001')).json()).toMatchObject({
      doNotCall: { addedBy: '1' },
      records: [
        { requestId: first, negative: false, tasks: [{ status: 'NEGATIVE', attempts: [] }] },
      ],
    })

    // Left out of an upload: the contact shows the rows and why, also with no record at all.
    const refusedUpload = await upload(
      'phone,name\n5000009,Asha\n5000009,Asha twice\n5000002,Listed\n5000003,Kept\n5000003,Kept twice\n',
    )
    await uploadStatus(id, refusedUpload)
    const twice = (await (await contact(id, '5000003')).json()) as { refused: unknown[] }
    expect(twice.refused).toEqual([
      {
        requestId: refusedUpload,
        row: 5,
        code: 'duplicate',
        message: 'phone 5000003 is also in row 4, where it is kept',
        uploadedAt: expect.any(String) as string,
      },
    ])
    expect(
      ((await (await contact(id, '5000009')).json()) as { refused: unknown[] }).refused,
    ).toMatchObject([{ requestId: refusedUpload, row: 2, code: 'duplicate' }])
    const listed = await contact(id, '5000002')
    expect(listed.status).toBe(200)
    expect(await listed.json()).toMatchObject({
      records: [],
      doNotCall: { addedBy: '1' },
      refused: [{ requestId: refusedUpload, row: 3, code: 'do_not_call' }],
    })

    const never = await contact(id, '5000004')
    expect(never.status).toBe(404)
    expect(await never.json()).toMatchObject({
      code: 'contact_not_found',
      title: expect.stringMatching(
        /^No upload of campaign \d+ holds 5000004 \(it is on the do-not-call list since .*\)$/,
      ) as string,
    })
    expect((await contact(id, 'abc')).status).toBe(400)
    expect((await contact('999999', '5000009')).status).toBe(404)
  })
})

describe('the planner after a big upload', () => {
  it('should analyze the records and tasks of an upload, or a day’s tasks, of 10,000 rows or more, not of fewer', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const analyzed = async () =>
      (
        await sql<{ relname: string; analyzed: boolean }>`
          SELECT relname, last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables
          WHERE schemaname = ${s.schema} AND relname IN ('outreach_record', 'flow_task')
          ORDER BY relname`.execute(s.db)
      ).rows
    // Split here: the test app takes files of 64 KiB at most.
    const upload = async (rows: number, from: number) => {
      const id = await newCampaign()
      const phones = Array.from({ length: rows }, (_, i) => String(from + i))
      await splitUpload(scoringDeps(s, clock), await unqueued(id, phones))
      return id
    }
    await upload(ANALYZE_AFTER_ROWS - 1, 7_100_000)
    expect(await analyzed()).toEqual([
      { relname: 'flow_task', analyzed: false },
      { relname: 'outreach_record', analyzed: false },
    ])
    const big = await upload(ANALYZE_AFTER_ROWS, 7_200_000)
    expect(await analyzed()).toEqual([
      { relname: 'flow_task', analyzed: true },
      { relname: 'outreach_record', analyzed: true },
    ])

    // The next day's 10,000 tasks, made at 00:00, are analyzed too. (Last in this file: the
    // clock moves to the next day for every campaign here.)
    const analyses = async () =>
      Number(
        (
          await sql<{ n: string }>`
            SELECT analyze_count AS n FROM pg_stat_user_tables
            WHERE schemaname = ${s.schema} AND relname = 'flow_task'`.execute(s.db)
        ).rows[0]?.n,
      )
    const before = await analyses()
    clock.set(kolkata('2026-11-23', '00:00'))
    await eventually(
      async () =>
        Number(
          (
            await s.db
              .selectFrom('flow_task')
              .select((eb) => eb.fn.countAll<string>().as('n'))
              .where('campaign_id', '=', big)
              .where('task_date', '=', '2026-11-23')
              .executeTakeFirstOrThrow()
          ).n,
        ) === ANALYZE_AFTER_ROWS,
    )
    await eventually(async () => (await analyses()) > before)
  })
})
