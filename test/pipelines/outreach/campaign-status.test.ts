import { describe, expect, it } from 'vitest'
import { importDoNotCall } from '../../../pipelines/outreach/do-not-call.js'
import { testApp } from '../../support/app.js'
import { importDoNotCallList } from '../../support/outreach.js'
import { scoringDeps } from '../../support/scoring.js'
import {
  useOperationsServices,
  s,
  t,
  admin,
  clock,
  kolkata,
  newCampaign,
  csv,
  uploadStatus,
} from '../../support/outreach-operations.js'

useOperationsServices()

describe('outreach operations', () => {
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
})
