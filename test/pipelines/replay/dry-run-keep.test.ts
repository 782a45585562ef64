import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DomainError } from '../../../pipelines/domain-error.js'
import { ClientInput, saveClient } from '../../../pipelines/replay/clients.js'
import { sweepDryRunUploads } from '../../../pipelines/replay/dry-run-keep.js'
import { fireDryRun, uploadRun } from '../../../pipelines/replay/runs.js'
import { manualClock } from '../../../pipelines/runtime/clock.js'
import { startWorkers, type Workers } from '../../../pipelines/workers.js'
import { findRun } from '../../../storage/postgres/replay/replay-run.repository.js'
import type { ReplayRunRow } from '../../../storage/postgres/replay/replay-run.table.js'
import { findStoredFile } from '../../../storage/postgres/stored-file.repository.js'
import { collector } from '../../support/collector.js'
import { scoringDeps } from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
let workers: Workers
let server: Awaited<ReturnType<typeof collector>>
const DAY = 86_400_000
const HOUR = 3_600_000

beforeAll(async () => {
  s = await isolatedServices()
  server = await collector()
  workers = await startWorkers(scoringDeps(s), ['replay-validate', 'replay-fire'])
  await saveClient(
    scoringDeps(s),
    'c-a-keep',
    ClientInput.parse({
      accountToken: 'T-123456789',
      targetUrl: server.url,
      method: 'GET',
      mapping: { N: { field: 'n', handler: 'integer', required: true } },
      ratePerSecond: 100,
      timeoutMs: 1000,
      maxAttempts: 2,
    }),
    '1',
  )
})
afterAll(async () => {
  await workers.stop()
  await server.close()
  await s.close()
})

/** A completed dry run of three rows. */
async function dryRun(): Promise<ReplayRunRow> {
  const { run } = await uploadRun(scoringDeps(s), {
    source: Readable.from(['N\n1\n2\n3\n']),
    name: 'n.csv',
    client: 'c-a-keep',
    options: { dryRun: true, maxExceptionRate: 0.05, force: false },
    createdBy: '1',
  })
  return eventually(async () => {
    const row = await findRun(s.db, run.id)
    return row?.status === 'completed' ? row : undefined
  })
}

/** The replayer's deps with the clock `ms` after `run` ended, keeping dry runs `days` days. */
const later = (run: ReplayRunRow, ms: number, days = 7) => ({
  ...scoringDeps(s, manualClock((run.finished_at?.getTime() ?? 0) + ms)),
  dryRunKeepDays: days,
})
const stored = async (run: ReplayRunRow) =>
  (await findStoredFile(s.db, run.file_store_id)) !== undefined
const fire = (deps: ReturnType<typeof later>, run: ReplayRunRow) =>
  fireDryRun(deps, run, { maxExceptionRate: 0.05, force: false }, '1')

describe('a dry run never fired', () => {
  it('should be fired only within its keep, and its upload removed after', async () => {
    const old = await dryRun()
    const fresh = await dryRun()
    expect(await stored(old)).toBe(true)

    // Past the keep: refused at once, the upload still there for an hour's grace.
    const expired = fire(later(old, 7 * DAY + 1000), old)
    await expect(expired).rejects.toBeInstanceOf(DomainError)
    await expect(expired).rejects.toMatchObject({ code: 'dry_run_expired' })
    expect(await sweepDryRunUploads(later(old, 7 * DAY + 1000))).toBe(0)
    expect(await stored(old)).toBe(true)

    // A shorter keep, past its grace: the upload goes; the run and its files stay.
    expect(await sweepDryRunUploads(later(fresh, 2 * DAY + 2 * HOUR, 2))).toBe(2)
    expect(await stored(old)).toBe(false)
    expect(await stored(fresh)).toBe(false)
    const kept = await findRun(s.db, old.id)
    expect(kept?.status).toBe('completed')
    expect(await findStoredFile(s.db, kept?.outputs?.requests.fileStoreId ?? '')).toBeDefined()
    expect(await sweepDryRunUploads(later(fresh, 2 * DAY + 2 * HOUR, 2))).toBe(0)
    expect(server.received).toEqual([])
  })

  it('should be fired once within its keep, and its live run keep the upload until it ends', async () => {
    const dry = await dryRun()
    // Fired twice at once: one live run, given to both.
    const [a, b] = await Promise.all([fire(later(dry, 6 * DAY), dry), fire(later(dry, DAY), dry)])
    expect(a.run.id).toBe(b.run.id)
    expect([a.created, b.created].sort()).toEqual([false, true])
    const live = a.run
    expect(live.source_run_id).toBe(dry.id)
    // A dry run fired is no longer swept: its live run removes the upload when it ends.
    expect(await sweepDryRunUploads(later(dry, 30 * DAY))).toBe(0)
    await eventually(async () => (await findRun(s.db, live.id))?.status === 'completed')
    expect(server.received).toHaveLength(3)
    // the upload goes once the run has ended
    await eventually(async () => !(await stored(dry)))
  })
})
