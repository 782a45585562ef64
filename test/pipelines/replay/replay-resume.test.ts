import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { saveClient } from '../../../pipelines/replay/clients.js'
import { uploadRun } from '../../../pipelines/replay/runs.js'
import { findRun } from '../../../storage/postgres/replay/replay-run.repository.js'
import { collector } from '../../support/collector.js'
import { scoringDeps } from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'
import { kill, killAll, workerChild } from '../../support/worker-child.js'

let s: TestServices
let server: Awaited<ReturnType<typeof collector>>
const ROWS = 400

beforeAll(async () => {
  s = await isolatedServices()
  // A slow endpoint: 30 ms an answer, so the kill lands mid-run.
  server = await collector(() => ({ status: 200, delayMs: 30 }))
})
afterAll(async () => {
  await killAll()
  await server.close()
  await s.close()
})

describe('a replay worker killed mid-run', () => {
  it('should resume without sending an acknowledged row again, and miss none', async () => {
    const deps = scoringDeps(s)
    await saveClient(
      deps,
      'resume',
      {
        accountToken: 'T-123456789',
        tokenField: 'token',
        targetUrl: server.url,
        method: 'POST',
        mapping: { N: { field: 'n', handler: 'integer', required: true, options: {} } },
        ratePerSecond: 200,
        timeoutMs: 2000,
        maxAttempts: 3,
      },
      '1',
    )
    const csv = ['N', ...Array.from({ length: ROWS }, (_, i) => String(i + 1))].join('\n')
    const first = await workerChild(s, ['replay-validate', 'replay-fire'])
    const { run } = await uploadRun(deps, {
      source: Readable.from([csv]),
      name: 'n.csv',
      client: 'resume',
      options: { dryRun: false, maxExceptionRate: 0.05, force: false },
      createdBy: '1',
    })
    await eventually(async () => server.received.length >= 100, 30_000)
    await kill(first)
    const acknowledged = await s.db
      .selectFrom('replay_row')
      .select('row')
      .where('run_id', '=', run.id)
      .where('status', '=', 'succeeded')
      .execute()
    expect(acknowledged.length).toBeGreaterThan(0)
    const receivedAtKill = server.received.length

    await workerChild(s, ['replay-validate', 'replay-fire'])
    const done = await eventually(async () => {
      const now = await findRun(s.db, run.id)
      return now?.status === 'completed' ? now : undefined
    }, 60_000)
    expect(done).toMatchObject({ rows: ROWS, fired: ROWS, succeeded: ROWS, failed: 0 })
    // None missing: every row reached the server with its key.
    const keys = new Set(server.received.map((r) => r.key))
    expect(keys.size).toBe(ROWS)
    // An acknowledged row was never sent again.
    for (const { row } of acknowledged) expect(server.seen.get(`${run.id}:${row}`)).toBe(1)
    // Sent twice, with the same key: only requests in flight or not yet recorded at the kill.
    const twice = [...server.seen.values()].filter((n) => n > 1).length
    expect(twice).toBeLessThanOrEqual(receivedAtKill - acknowledged.length)
    expect(server.received.length).toBe(ROWS + twice)
  }, 120_000)
})
