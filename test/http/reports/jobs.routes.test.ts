import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'csv-parse/sync'
import { requestRun } from '../../../pipelines/reports/jobs.js'
import { templateOf } from '../../../pipelines/reports/templates.js'
import { startWorkers, type Workers } from '../../../pipelines/workers.js'
import { bearer, jsonBody, testApp } from '../../support/app.js'
import { campaignWithTotals, reportsDeps } from '../../support/reports.js'
import { manualClock } from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
let t: ReturnType<typeof testApp>
let workers: Workers
let owner: Record<string, string>
let templateId: string
const clock = manualClock(Date.parse('2026-12-03T08:00:00Z'))

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s, clock)
  workers = await startWorkers(reportsDeps(s, clock, { maxRowsPerPart: 4 }), ['report-export'])
  await campaignWithTotals(s, '51', 10)
  owner = await bearer('1', true)
  const res = await t.app.request(
    '/reports/templates',
    jsonBody(
      'POST',
      {
        name: 'Spend',
        dataset: 'purchase_totals',
        columns: [{ column: 'user_id', label: 'User' }, { column: 'total' }],
        sort: [{ column: 'total', direction: 'desc' }],
      },
      owner,
    ),
  )
  templateId = ((await res.json()) as { id: string }).id
})
afterAll(async () => {
  await workers.stop()
  t.close()
  await s.close()
})

const get = (path: string, headers = owner) => t.app.request(path, { headers })

describe('report jobs', () => {
  it('should run a template now and serve its manifest and parts', async () => {
    const res = await t.app.request(`/reports/templates/${templateId}/run`, {
      method: 'POST',
      headers: owner,
    })
    expect(res.status).toBe(202)
    const location = res.headers.get('location') ?? ''
    const queued = (await res.json()) as { id: string; status: string }
    expect(location).toBe(`/reports/jobs/${queued.id}`)
    expect(queued).toMatchObject({ status: 'queued', batchTypeId: 4, templateId })
    const done = await eventually(async () => {
      const job = (await (await get(location)).json()) as { status: string }
      return job.status === 'succeeded' ? job : undefined
    })
    expect(done).toMatchObject({ attempts: 1, rowsWritten: 10, total: 10, parts: 3, error: null })

    const manifest = (await (await get(`${location}/output`)).json()) as {
      total: number
      parts: { part: number; name: string; rows: number; sha256: string }[]
    }
    expect(manifest.total).toBe(10)
    expect(manifest.parts.map((p) => [p.name, p.rows])).toEqual([
      ['Spend-2026-12-03-part-001-of-003.csv', 4],
      ['Spend-2026-12-03-part-002-of-003.csv', 4],
      ['Spend-2026-12-03-part-003-of-003.csv', 2],
    ])
    const part = await get(`${location}/output/3`)
    expect(part.status).toBe(200)
    expect(part.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(part.headers.get('etag')).toBe(`"${manifest.parts[2]?.sha256 ?? ''}"`)
    expect(part.headers.get('content-disposition')).toContain(
      'Spend-2026-12-03-part-003-of-003.csv',
    )
    expect(parse(await part.text())).toEqual([
      ['User', 'total'],
      ['u2', '2.50'],
      ['u1', '1.25'],
    ])
    expect((await get(`${location}/output/4`)).status).toBe(404)

    const listed = (await (
      await get(`/reports/jobs?templateId=${templateId}&status=succeeded`)
    ).json()) as { jobs: { id: string }[] }
    expect(listed.jobs.map((j) => j.id)).toEqual([queued.id])
  })

  it('should show jobs and outputs to their owner and admins only', async () => {
    const res = await t.app.request(
      `/reports/templates/${templateId}/run`,
      jsonBody('POST', { timezone: 'Asia/Kolkata' }, owner),
    )
    const { id, timezone } = (await res.json()) as { id: string; timezone: string }
    expect(timezone).toBe('Asia/Kolkata')
    const stranger = await bearer('8')
    for (const path of [
      `/reports/jobs/${id}`,
      `/reports/jobs/${id}/output`,
      `/reports/jobs/${id}/output/1`,
    ])
      expect((await get(path, stranger)).status).toBe(404)
    expect(
      (
        await t.app.request(`/reports/templates/${templateId}/run`, {
          method: 'POST',
          headers: stranger,
        })
      ).status,
    ).toBe(404)
    const theirs = (await (await get('/reports/jobs', stranger)).json()) as { jobs: unknown[] }
    expect(theirs.jobs).toEqual([])
  })

  it('should answer 409 for the output of a job not finished, and refuse a bad zone', async () => {
    const template = await templateOf(s.db, templateId, { userId: '1', admin: true })
    // Requested and never queued: no worker takes it.
    const { job } = await requestRun(t.deps, template, {
      scheduledForMs: clock.now(),
      timezone: 'UTC',
    })
    const early = await get(`/reports/jobs/${job.id}/output`)
    expect(early.status).toBe(409)
    expect(await early.json()).toMatchObject({ code: 'output_not_ready' })
    const bad = await t.app.request(
      `/reports/templates/${templateId}/run`,
      jsonBody('POST', { timezone: 'Mars/Olympus' }, owner),
    )
    expect(bad.status).toBe(400)
  })

  it('should answer a run sent again with its Idempotency-Key with the job it made', async () => {
    const run = (key?: string) =>
      t.app.request(`/reports/templates/${templateId}/run`, {
        method: 'POST',
        headers: key === undefined ? owner : { ...owner, 'idempotency-key': key },
      })
    const first = await run('nightly-1')
    expect(first.status).toBe(202)
    const { id } = (await first.json()) as { id: string }
    const again = await run('nightly-1')
    expect(again.status).toBe(202)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(again.headers.get('location')).toBe(`/reports/jobs/${id}`)
    expect(((await again.json()) as { id: string }).id).toBe(id)
    const other = await run('nightly-2')
    expect(other.headers.get('idempotent-replayed')).toBeNull()
    expect(((await other.json()) as { id: string }).id).not.toBe(id)
    expect(((await (await run()).json()) as { id: string }).id).not.toBe(id)
    expect((await run('not visible ascii')).status).toBe(400)
  })
})
