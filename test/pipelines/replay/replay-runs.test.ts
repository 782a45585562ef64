import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { saveClient, type ClientInput } from '../../../pipelines/replay/clients.js'
import { fireRun } from '../../../pipelines/replay/replay-fire.actor.js'
import { fireDryRun, uploadRun, type RunOptions } from '../../../pipelines/replay/runs.js'
import { startWorkers, type Workers } from '../../../pipelines/workers.js'
import { findRun } from '../../../storage/postgres/replay/replay-run.repository.js'
import type { ReplayRunRow } from '../../../storage/postgres/replay/replay-run.table.js'
import { collector } from '../../support/collector.js'
import { fileBytes } from '../../support/reports.js'
import { scoringDeps } from '../../support/scoring.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
let workers: Workers
let server: Awaited<ReturnType<typeof collector>>
const deps = () => ({ ...scoringDeps(s), retryBaseMs: 10 })

const CSV = [
  'Visit date,Email,Event,Amount',
  '2026-11-30,Asha@Example.org,visit,',
  '2026-12-01,ravi@example.org,sale,12.50',
  'not a date,x@example.org,sale,3',
  '2026-12-02,  meera@example.org ,SALE,7',
].join('\n')

const client = (url: string, extra: Partial<ClientInput> = {}): ClientInput => ({
  accountToken: 'T-123456789',
  tokenField: 'tid',
  targetUrl: url,
  method: 'GET',
  mapping: {
    'Visit date': { field: 'date', handler: 'date', required: true, options: {} },
    Email: { field: 'uid', handler: 'sha256', required: true, options: {} },
    Event: { field: 'ev', handler: 'enum', required: true, options: { values: ['visit', 'sale'] } },
    Amount: { field: 'amount', handler: 'decimal', required: false, options: {} },
  },
  ratePerSecond: 200,
  timeoutMs: 300,
  maxAttempts: 3,
  ...extra,
})

const options = (o: Partial<RunOptions> = {}): RunOptions => ({
  dryRun: false,
  maxExceptionRate: 0.5,
  force: false,
  ...o,
})

const upload = (name: string, csv: string, o: Partial<RunOptions> = {}) =>
  uploadRun(deps(), {
    source: Readable.from([csv]),
    name: 'visits.csv',
    client: name,
    options: options(o),
    createdBy: '1',
  })

const ended = (id: string) =>
  eventually(async () => {
    const run = await findRun(s.db, id)
    return run !== undefined && ['completed', 'refused', 'failed'].includes(run.status)
      ? run
      : undefined
  }, 20_000)

const output = async (run: ReplayRunRow, type: keyof NonNullable<ReplayRunRow['outputs']>) =>
  (await fileBytes(s, run.outputs?.[type].fileStoreId ?? '')).toString()

beforeAll(async () => {
  s = await isolatedServices()
  server = await collector((request, seen) => {
    if (request.url.includes('ev=visit') && seen === 1) return { status: 503 }
    return { status: 200 }
  })
  workers = await startWorkers(deps(), ['replay-validate', 'replay-fire'])
})
afterAll(async () => {
  await workers.stop()
  await server.close()
  await s.close()
})

describe('replay runs', () => {
  it('should validate without sending anything, then fire exactly the rows it validated', async () => {
    await saveClient(deps(), 'c-a-norton-uk', client(server.url), '1')
    const { run: dry } = await upload('c-a-norton-uk', CSV, { dryRun: true })
    const done = await ended(dry.id)
    expect(done).toMatchObject({
      status: 'completed',
      rows: 4,
      valid: 3,
      exceptions: 1,
      warnings: 1,
      fired: 0,
    })
    expect(server.received).toEqual([])
    const requests = await output(done, 'requests')
    expect(
      requests
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t').slice(0, 2)),
    ).toEqual([
      ['1', 'GET'],
      ['2', 'GET'],
      ['4', 'GET'],
    ])
    expect(requests).toContain('/collect?tid=T-123456789&date=2026-11-30&uid=')
    expect(await output(done, 'exceptions')).toBe(
      '3\tVisit date\tdate\tnot_date\t"not a date" is not a date written yyyy-MM-dd\n',
    )
    expect(await output(done, 'warnings')).toBe('4\tEvent\tenum\t"SALE" read as "sale"\n')
    expect((await output(done, 'requests-validated')).split('\n')[0]).toMatch(
      /^\{"row":1,"payload":\{"date":"2026-11-30"/,
    )
    expect(done.outputs?.requests.name).toBe(
      `c-a-norton-uk-requests-${done.token}-${done.created_at.toISOString().slice(0, 10)}.txt`,
    )
    expect(
      await s.db.selectFrom('replay_row').selectAll().where('run_id', '=', dry.id).execute(),
    ).toEqual([])

    const { run: live } = await fireDryRun(
      deps(),
      done,
      { maxExceptionRate: 0.5, force: false },
      '1',
    )
    const fired = await ended(live.id)
    expect(fired).toMatchObject({
      status: 'completed',
      rows: 4,
      fired: 3,
      succeeded: 3,
      failed: 0,
      exceptions: 1,
    })
    expect(fired.succeeded + fired.failed + fired.exceptions).toBe(fired.rows)
    expect(fired.token).not.toBe(done.token)
    expect(fired.outputs?.requests.sha256).toBe(done.outputs?.requests.sha256)
    // The visit was answered 503 once and sent again with the same key.
    expect([...server.seen.values()].sort()).toEqual([1, 1, 2])
    expect(server.seen.get(`${live.id}:1`)).toBe(2)
    expect((await output(fired, 'responses')).split('\n')[0]).toMatch(/^1\t200\t\d+ms\t2\t/)
    const completed = await s.redis.xrange(s.keys.replayCompleted, '-', '+')
    expect(completed.map(([, f]) => f)).toContainEqual([
      'replayId',
      live.id,
      'client',
      'c-a-norton-uk',
      'rows',
      '4',
      'fromDate',
      '2026-11-30',
      'toDate',
      '2026-12-02',
    ])
  })

  it('should end with bounded retries and record the rows an endpoint keeps failing', async () => {
    const flaky = await collector((request) =>
      request.url.includes('ev=sale')
        ? { status: 503, retryAfter: '0' }
        : // well past the 300 ms timeout: undici checks its timers every ~500 ms
          { status: 200, delayMs: 2500 },
    )
    try {
      await saveClient(deps(), 'flaky', client(flaky.url), '1')
      const { run } = await upload('flaky', CSV)
      const done = await ended(run.id)
      expect(done).toMatchObject({ status: 'completed', fired: 3, succeeded: 0, failed: 3 })
      expect(flaky.received).toHaveLength(9) // three rows, three attempts each
      const responses = (await output(done, 'responses')).split('\n').filter(Boolean)
      expect(
        responses.map((l) =>
          l
            .split('\t')
            .slice(0, 2)
            .concat(l.split('\t')[3] ?? ''),
        ),
      ).toEqual([
        ['1', 'none', '3'],
        ['2', '503', '3'],
        ['4', '503', '3'],
      ])
    } finally {
      await flaky.close()
    }
  })

  it('should refuse a live run over its exception rate unless forced, firing nothing', async () => {
    const before = server.received.length
    await saveClient(deps(), 'strict', client(server.url), '1')
    const { run } = await upload('strict', CSV, { maxExceptionRate: 0.1 })
    const refused = await ended(run.id)
    expect(refused.status).toBe('refused')
    expect(refused.error).toContain('1 of 4 rows (25.0%) are exceptions')
    expect(server.received.length).toBe(before)
    const { run: forced } = await upload('strict', CSV, { maxExceptionRate: 0.1, force: true })
    expect((await ended(forced.id)).status).toBe('completed')
  })

  it('should refuse a file missing a required column before anything is fired', async () => {
    await expect(
      upload('c-a-norton-uk', 'Email,Event\nx@example.org,sale\n'),
    ).rejects.toMatchObject({
      code: 'missing_column',
    })
  })

  it('should publish replay_completed once a crash after the run ended is recovered', async () => {
    const { run } = await upload('c-a-norton-uk', CSV.replace('12.50', '13.50'))
    await ended(run.id)
    // Published by the worker: recorded just after the run's end.
    const done = await eventually(async () => {
      const now = await findRun(s.db, run.id)
      return now?.published_at === null ? undefined : now
    })
    // As if the worker had died right after recording the end: not published yet.
    await s.db
      .updateTable('replay_run')
      .set({ published_at: null })
      .where('id', '=', run.id)
      .execute()
    const before = (await s.redis.xrange(s.keys.replayCompleted, '-', '+')).length
    await fireRun(deps(), done.id)
    const after = await s.redis.xrange(s.keys.replayCompleted, '-', '+')
    expect(after).toHaveLength(before + 1)
    expect(after.at(-1)?.[1].slice(0, 2)).toEqual(['replayId', run.id])
    await fireRun(deps(), done.id)
    expect(await s.redis.xlen(s.keys.replayCompleted)).toBe(before + 1)
  })
})
