import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorkers, type Workers } from '../../../pipelines/workers.js'
import { bearer, jsonBody, testApp } from '../../support/app.js'
import { collector } from '../../support/collector.js'
import { scoringDeps } from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
let t: ReturnType<typeof testApp>
let workers: Workers
let admin: Record<string, string>
let server: Awaited<ReturnType<typeof collector>>

beforeAll(async () => {
  s = await isolatedServices()
  t = testApp(s)
  admin = await bearer('1', true)
  server = await collector()
  workers = await startWorkers(scoringDeps(s), ['replay-validate', 'replay-fire'])
  const saved = await t.app.request(
    '/replay/clients/c-a-web',
    jsonBody(
      'PUT',
      {
        accountToken: 'T-123456789',
        targetUrl: server.url,
        mapping: {
          'Visit date': { field: 'date', handler: 'date', required: true },
          Event: { field: 'ev', handler: 'enum', options: { values: ['visit', 'sale'] } },
        },
      },
      admin,
    ),
  )
  expect(saved.status).toBe(201)
})
afterAll(async () => {
  await workers.stop()
  await server.close()
  t.close()
  await s.close()
})

const form = (
  fields: Record<string, string>,
  csv: string | Uint8Array,
  headers: Record<string, string> = admin,
  name = 'visits.csv',
) => {
  const body = new FormData()
  for (const [field, value] of Object.entries(fields)) body.append(field, value)
  body.append('file', new Blob([csv], { type: 'text/csv' }), name)
  return { method: 'POST', headers, body }
}
const run = async (id: string) =>
  (await (await t.app.request(`/replays/${id}`, { headers: admin })).json()) as {
    status: string
    counts: Record<string, number>
    finishedAt?: string
    fireBefore?: string
    outputs: Record<string, { fileStoreId: string; name: string }> | null
  }

describe('replay runs over HTTP', () => {
  it('should take a form, run it dry, show its counts and files, and fire it', async () => {
    const res = await t.app.request(
      '/replays',
      form({ client: 'c-a-web', dryRun: 'true' }, 'Visit date,Event\n2026-12-01,visit\nbad,sale\n'),
    )
    expect(res.status).toBe(202)
    const { id } = (await res.json()) as { id: string }
    expect(res.headers.get('location')).toBe(`/replays/${id}`)
    const dry = await eventually(async () => {
      const r = await run(id)
      return r.status === 'completed' ? r : undefined
    })
    expect(dry.counts).toMatchObject({ rows: 2, valid: 1, exceptions: 1, fired: 0 })
    // It may be fired for REPLAY_DRY_RUN_KEEP_DAYS (7 by default) after it ended.
    expect(Date.parse(dry.fireBefore ?? '') - Date.parse(dry.finishedAt ?? '')).toBe(7 * 86_400_000)
    expect(Object.keys(dry.outputs ?? {}).sort()).toEqual([
      'exceptions',
      'requests',
      'requests-validated',
      'responses',
      'warnings',
    ])
    const file = await t.app.request(`/files/${dry.outputs?.exceptions?.fileStoreId ?? ''}`, {
      headers: admin,
    })
    expect(await file.text()).toContain('2\tVisit date\tdate\tnot_date')
    expect(server.received).toEqual([])
    const fired = await t.app.request(
      `/replays/${id}/fire`,
      jsonBody('POST', { maxExceptionRate: 0.5 }, admin),
    )
    expect(fired.status).toBe(202)
    const live = (await fired.json()) as { id: string; sourceRunId: string }
    expect(live.sourceRunId).toBe(id)
    // Fired again while its live run lasts: the same live run.
    const again = await t.app.request(`/replays/${id}/fire`, jsonBody('POST', {}, admin))
    expect(((await again.json()) as { id: string }).id).toBe(live.id)
    await eventually(async () => (await run(live.id)).status === 'completed')
    expect(server.received).toHaveLength(1)
    // A dry run fires once; its upload is gone with the live run's end (the files keep the rows).
    const late = await t.app.request(`/replays/${id}/fire`, jsonBody('POST', {}, admin))
    expect(late.status).toBe(409)
    expect(((await late.json()) as { code: string }).code).toBe('already_fired')
    const upload = (await run(live.id)) as unknown as { fileStoreId: string }
    await eventually(
      async () =>
        (await t.app.request(`/files/${upload.fileStoreId}`, { headers: admin })).status === 404,
    )
    expect(
      (await t.app.request(`/replays/${live.id}/fire`, { method: 'POST', headers: admin })).status,
    ).toBe(409)
    const list = (await (
      await t.app.request('/replays?client=c-a-web', { headers: admin })
    ).json()) as {
      runs: { id: string }[]
    }
    expect(list.runs.map((r) => r.id)).toEqual([live.id, id])
  })

  it('should refuse a bad file with a clear problem before anything is fired', async () => {
    const cases: [string | Uint8Array, number, string][] = [
      ['', 400, 'empty_file'],
      ['Visit date,Event\n', 400, 'empty_file'],
      ['Event\nvisit\n', 400, 'missing_column'],
      ['Visit date,Event\n"2026-12-01,visit\n', 400, 'malformed_csv'],
      [
        new Uint8Array([
          0x56, 0x69, 0x73, 0x69, 0x74, 0x20, 0x64, 0x61, 0x74, 0x65, 0x0a, 0xff, 0xfe, 0x0a,
        ]),
        400,
        'not_utf8',
      ],
      [`Visit date,Event\n${'2026-12-01,visit\n'.repeat(5000)}`, 413, 'file_too_large'],
    ]
    for (const [csv, status, code] of cases) {
      const res = await t.app.request('/replays', form({ client: 'c-a-web' }, csv))
      expect([res.status, ((await res.json()) as { code: string }).code], code).toEqual([
        status,
        code,
      ])
    }
    // A client with a template refuses a column that is not in it (a misspelt optional one).
    const templated = await t.app.request(
      '/replay/clients/c-a-templated',
      jsonBody(
        'PUT',
        {
          accountToken: 'T-123456789',
          targetUrl: server.url,
          mapping: { 'Visit date': { field: 'date', handler: 'date', required: true } },
          columns: ['Visit date', 'Event'],
        },
        admin,
      ),
    )
    expect(templated.status).toBe(201)
    const misspelt = await t.app.request(
      '/replays',
      form({ client: 'c-a-templated' }, 'Visit date,Evnt,\n2026-12-01,visit,\n'),
    )
    expect(misspelt.status).toBe(400)
    const problem = (await misspelt.json()) as { code: string; title: string }
    expect(problem.code).toBe('unknown_column')
    expect(problem.title).toContain('"Evnt", not among the client\'s columns')
    expect((await t.app.request('/replays', form({ client: 'nobody' }, 'a\n1\n'))).status).toBe(404)
    expect((await t.app.request('/replays', form({}, 'a\n1\n'))).status).toBe(400)
    expect(server.received.length).toBeLessThanOrEqual(1)
    // A refused file is not kept.
    const kept = await s.db.selectFrom('stored_file').select('name').execute()
    expect(kept.filter((f) => f.name === 'visits.csv')).toHaveLength(0)
  })

  it('should answer a request sent again with its Idempotency-Key with the run it made', async () => {
    const csv = 'Visit date,Event\n2026-12-02,visit\n'
    const send = (headers: Record<string, string>) =>
      t.app.request(
        '/replays',
        form({ client: 'c-a-web', dryRun: 'true' }, csv, headers, 'again.csv'),
      )
    const first = await send({ ...admin, 'idempotency-key': 'upload-1' })
    expect(first.status).toBe(202)
    const { id } = (await first.json()) as { id: string }
    await eventually(async () => (await run(id)).status === 'completed')
    // Sent again after its run ended: the same run, not another (its copy of the file dropped).
    const again = await send({ ...admin, 'idempotency-key': 'upload-1' })
    expect(again.status).toBe(202)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(((await again.json()) as { id: string }).id).toBe(id)
    const kept = await s.db.selectFrom('stored_file').select('name').execute()
    expect(kept.filter((f) => f.name === 'again.csv')).toHaveLength(1)
    // Another caller's key of the same name is theirs, and no key makes a new run.
    const other = await send({ ...(await bearer('2', true)), 'idempotency-key': 'upload-1' })
    expect(other.headers.get('idempotent-replayed')).toBeNull()
    const otherId = ((await other.json()) as { id: string }).id
    expect(otherId).not.toBe(id)
    await eventually(async () => (await run(otherId)).status === 'completed')
    const fresh = await send(admin)
    expect(fresh.headers.get('idempotent-replayed')).toBeNull()
    expect([id, otherId]).not.toContain(((await fresh.json()) as { id: string }).id)
    const bad = await send({ ...admin, 'idempotency-key': 'not visible ascii' })
    expect(bad.status).toBe(400)
  })

  it('should be for admins only', async () => {
    const res = await t.app.request('/replays', { headers: await bearer('7') })
    expect(res.status).toBe(403)
  })
})
