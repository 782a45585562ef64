import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { saveClient } from '../../../pipelines/replay/clients.js'
import {
  progressLine,
  replayCommand,
  type CommandIo,
  type ReplayArgs,
} from '../../../pipelines/replay/replay-command.js'
import { validateRun } from '../../../pipelines/replay/replay-validate.actor.js'
import { uploadRun } from '../../../pipelines/replay/runs.js'
import { StopRequestedError } from '../../../pipelines/runtime/errors.js'
import { startWorkers, type Workers } from '../../../pipelines/workers.js'
import { findRun } from '../../../storage/postgres/replay/replay-run.repository.js'
import type { ReplayRunRow } from '../../../storage/postgres/replay/replay-run.table.js'
import { collector } from '../../support/collector.js'
import { scoringDeps } from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
let server: Awaited<ReturnType<typeof collector>>
let dir: string
const deps = () => ({ ...scoringDeps(s), retryBaseMs: 10 })

const ROWS = 30
/** Rows 1–30, the 7th without its required value: 29 to fire, 1 exception. */
const CSV = ['N,Event', ...Array.from({ length: ROWS }, (_, i) => `${i === 6 ? '' : i + 1},sale`)]
  .join('\n')
  .concat('\n')

/** The command's output, and the question it asked (answered `answer`, when there is one). */
function terminal(tty: boolean, answer?: boolean) {
  const out: string[] = []
  const asked: string[] = []
  const io: CommandIo = {
    write: (text) => out.push(text),
    tty,
    ...(answer === undefined
      ? {}
      : {
          confirm: async (question: string) => {
            asked.push(question)
            return answer
          },
        }),
  }
  return { io, text: () => out.join(''), asked }
}

const args = (file: string, a: Partial<ReplayArgs> = {}): ReplayArgs => ({
  name: 'cli',
  loadFile: file,
  dryRun: false,
  outputDir: dir,
  yes: false,
  force: false,
  maxExceptionRate: 0.05,
  ...a,
})

/** Runs the command as the CLI does: the replay actors in this process beside it. */
async function replay(file: string, a: Partial<ReplayArgs>, io: CommandIo) {
  const workers: Workers = await startWorkers(deps(), ['replay-validate', 'replay-fire'])
  try {
    return await replayCommand(deps(), args(file, a), io)
  } finally {
    await workers.stop()
  }
}

beforeAll(async () => {
  s = await isolatedServices()
  server = await collector()
  dir = await mkdtemp(join(tmpdir(), 'replay-cli-'))
  await saveClient(
    deps(),
    'cli',
    {
      accountToken: 'T-123456789',
      tokenField: 'tid',
      targetUrl: server.url,
      method: 'GET',
      mapping: {
        N: { field: 'n', handler: 'integer', required: true, options: {} },
        Event: { field: 'ev', handler: 'enum', required: true, options: { values: ['sale'] } },
      },
      ratePerSecond: 500,
      timeoutMs: 2000,
      maxAttempts: 3,
    },
    '1',
  )
})
afterAll(async () => {
  await server.close()
  await s.close()
})

describe('campaign-streams replay', () => {
  it('should write the dry run files to --output-dir and fire nothing with --dry-run', async () => {
    const file = join(dir, 'dry.csv')
    await writeFile(file, CSV)
    const out = terminal(false)
    expect(await replay(file, { dryRun: true, outputDir: join(dir, 'dry') }, out.io)).toBe(0)
    expect(out.text()).toContain(
      'dry run completed: 30 rows: 29 valid, 0 with warnings, 1 exceptions',
    )
    const files = (await readdir(join(dir, 'dry'))).sort()
    expect(files.map((f) => f.replace(/-[0-9a-f]{8}-\d{4}-\d{2}-\d{2}\.txt$/, ''))).toEqual([
      'cli-exceptions',
      'cli-requests',
      'cli-requests-validated',
      'cli-responses',
      'cli-warnings',
    ])
    const requests = await readFile(join(dir, 'dry', files[1] as string), 'utf8')
    expect(requests.split('\n').filter(Boolean)).toHaveLength(29)
    // Plain lines off a terminal: no carriage returns.
    expect(out.text()).not.toContain('\r')
    expect(server.received).toHaveLength(0)
  }, 30_000)

  it('should not fire without --yes where nobody can answer, nor when the answer is no', async () => {
    const file = join(dir, 'unanswered.csv')
    await writeFile(file, CSV)
    const nobody = terminal(false)
    expect(await replay(file, {}, nobody.io)).toBe(1)
    expect(nobody.text()).toContain('not fired: add --yes to fire without a terminal')
    const no = terminal(true, false)
    expect(await replay(file, {}, no.io)).toBe(1)
    expect(no.asked).toEqual([`fire 29 requests at ${server.url} (1 exceptions left out)?`])
    expect(server.received).toHaveLength(0)
  }, 30_000)

  it('should fire the rows the dry run validated once confirmed, redrawing a bar on a terminal', async () => {
    const file = join(dir, 'fired.csv')
    await writeFile(file, CSV)
    const out = terminal(true, true)
    expect(await replay(file, { outputDir: join(dir, 'fired') }, out.io)).toBe(0)
    expect(out.text()).toContain('fired 29: 29 succeeded, 0 failed')
    expect(out.text()).toMatch(/\r\[#{24}\] completed 29\/29 fired/)
    expect(new Set(server.received.map((r) => r.key)).size).toBe(29)
    // The dry run's files and the live run's, each run under its own token.
    expect(await readdir(join(dir, 'fired'))).toHaveLength(10)
  }, 30_000)

  it('should resume an unfinished live run of the same file rather than start another', async () => {
    const csv = CSV.replaceAll('sale', 'sale ')
    const file = join(dir, 'resumed.csv')
    await writeFile(file, csv)
    // A live run left unfinished (its CLI stopped before any actor took it).
    const { run } = await uploadRun(deps(), {
      source: Readable.from([csv]),
      name: 'resumed.csv',
      client: 'cli',
      options: { dryRun: false, maxExceptionRate: 0.05, force: false },
      createdBy: 'cli',
    })
    const before = server.received.length
    const out = terminal(false)
    expect(await replay(file, { yes: true }, out.io)).toBe(0)
    expect(out.text()).toContain(`resuming run ${run.id} (validating)`)
    expect(out.text()).not.toContain('dry run')
    expect((await findRun(s.db, run.id))?.status).toBe('completed')
    expect(server.received.length - before).toBe(29)
    // The command's copy of the file was given up for the run's own, removed once it ended.
    const kept = await eventually(async () => {
      const names = await s.db.selectFrom('stored_file').select('name').execute()
      return names.some((f) => f.name === 'resumed.csv') ? undefined : names
    })
    // A dry run not fired keeps its upload, for its live run.
    expect(kept.filter((f) => f.name === 'dry.csv')).toHaveLength(1)
  }, 30_000)
})

describe('the progress of a validation', () => {
  it('should record the rows read so far about once a second, for the bar to show', async () => {
    const csv = ['N,Event', ...Array.from({ length: 5000 }, (_, i) => `${i + 1},sale`)].join('\n')
    const { run } = await uploadRun(deps(), {
      source: Readable.from([csv]),
      name: 'progress.csv',
      client: 'cli',
      options: { dryRun: true, maxExceptionRate: 0.05, force: false },
      createdBy: 'cli',
    })
    let now = Date.now()
    const stopped = new AbortController()
    stopped.abort() // handed over after the first chunk: what it had told stays
    const validating = validateRun(
      { ...deps(), clock: { now: () => (now += 1000) }, stopping: stopped.signal },
      run.id,
    )
    await expect(validating).rejects.toBeInstanceOf(StopRequestedError)
    expect(await findRun(s.db, run.id)).toMatchObject({
      status: 'validating',
      rows: 2000,
      valid: 2000,
    })
  })
})

describe('a replay progress line', () => {
  const run = (o: Partial<ReplayRunRow>) =>
    ({
      status: 'firing',
      dry_run: false,
      rows: 0,
      valid: 0,
      exceptions: 0,
      succeeded: 0,
      failed: 0,
      ...o,
    }) as ReplayRunRow
  it('should show rows read while validating (all a dry run does), then rows fired with their rate and ETA', () => {
    expect(progressLine(run({ status: 'validating', rows: 50_000, exceptions: 3 }), 2)).toBe(
      '[........................] validating · 50000 rows read · 25000 rows/s · 3 exceptions',
    )
    expect(progressLine(run({ valid: 1000, succeeded: 240, failed: 10 }), 5)).toBe(
      '[######..................] firing 250/1000 fired · 50 rows/s · 240 ok · 10 failed · 0 exceptions · ETA 15 s',
    )
    expect(
      progressLine(run({ dry_run: true, status: 'completed', rows: 3, exceptions: 1 }), 1),
    ).toBe('[########################] completed · 3 rows read · 3 rows/s · 1 exceptions')
  })
})
