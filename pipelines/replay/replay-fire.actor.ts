import { setTimeout as sleep } from 'node:timers/promises'
import { request, type Dispatcher } from 'undici'
import { requestOf } from '../../operators/replay/row-map.rules.js'
import { findRun, moveRun } from '../../storage/postgres/replay/replay-run.repository.js'
import {
  recordOutcomes,
  runRows,
  type RowOutcome,
} from '../../storage/postgres/replay/replay-row.repository.js'
import type {
  ReplayClientConfig,
  ReplayRowRow,
  ReplayRunRow,
} from '../../storage/postgres/replay/replay-run.table.js'
import { outboundAgent } from '../outbound/outbound-agent.js'
import type { ActorDefinition, Effect } from '../runtime/actor-definition.js'
import { errorMessage, StopRequestedError } from '../runtime/errors.js'
import { limiter } from '../runtime/limiter.js'
import { backoff } from '../runtime/retry.js'
import type { ReplayDeps } from './deps.js'
import { RunMessage } from './messages.js'
import { finishRun, RESPONSE_CHARS } from './replay-outputs.js'
import { oneJobActor } from '../runtime/one-job-actor.js'
import { failRun } from './run-end.js'

/** Rows read (and their outcomes recorded) at once. */
const PAGE = 200
/** Outcomes recorded at once (after a crash, at most these and those in flight are sent again). */
const RECORD_EVERY = 50
/** Requests in flight at most per run. */
const MAX_IN_FLIGHT = 64
/** The longest wait a `Retry-After` may ask for. */
const MAX_RETRY_AFTER_MS = 30_000

/** Starts at most `rate` a second, evenly spaced. */
function pacer(rate: number): () => Promise<void> {
  const gap = 1000 / rate
  let next = performance.now()
  return async () => {
    const now = performance.now()
    const at = Math.max(now, next)
    next = at + gap
    if (at > now) await sleep(at - now)
  }
}

/** How long a 429's or 503's `Retry-After` asks to wait (seconds or a date), capped. */
function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header
  if (value === undefined) return undefined
  const ms = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value) - Date.now()
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)) : undefined
}

const statusClass = (status: number | null) =>
  status === null ? 'error' : `${Math.floor(status / 100)}xx`

/**
 * Fires one row: its request with an `Idempotency-Key` of run and row, again after a 5xx, a 429
 * (after its `Retry-After`) or a timeout, up to the client's `maxAttempts`; any other answer ends
 * it (2xx succeeded, others failed).
 */
async function fireRow(
  deps: ReplayDeps,
  run: ReplayRunRow,
  config: ReplayClientConfig,
  agent: Dispatcher,
  row: ReplayRowRow,
): Promise<RowOutcome> {
  const sent = requestOf(config, row.payload ?? {})
  const baseMs = deps.retryBaseMs ?? 200
  let last: Omit<RowOutcome, 'row' | 'attempts' | 'status'>
  for (let attempt = 1; ; attempt++) {
    const started = performance.now()
    let wait: number | undefined
    try {
      const res = await request(sent.url, {
        method: sent.method,
        headers: {
          'idempotency-key': `${run.id}:${row.row}`,
          ...(sent.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(sent.body === undefined ? {} : { body: sent.body }),
        dispatcher: agent,
      })
      const text = (await res.body.text()).slice(0, RESPONSE_CHARS)
      const elapsedMs = Math.round(performance.now() - started)
      last = { httpStatus: res.statusCode, elapsedMs, response: text }
      deps.metrics?.replay.requests.observe(
        { client: run.client, status: statusClass(res.statusCode) },
        elapsedMs / 1000,
      )
      if (res.statusCode >= 200 && res.statusCode < 300)
        return { row: row.row, status: 'succeeded', attempts: attempt, ...last }
      if (res.statusCode !== 429 && res.statusCode < 500)
        return { row: row.row, status: 'failed', attempts: attempt, ...last }
      wait = retryAfterMs(res.headers['retry-after'])
    } catch (error) {
      const elapsedMs = Math.round(performance.now() - started)
      last = { httpStatus: null, elapsedMs, response: errorMessage(error).slice(0, RESPONSE_CHARS) }
      deps.metrics?.replay.requests.observe(
        { client: run.client, status: 'error' },
        elapsedMs / 1000,
      )
    }
    if (attempt >= config.maxAttempts)
      return { row: row.row, status: 'failed', attempts: attempt, ...last }
    deps.metrics?.replay.retries.inc({ client: run.client })
    await sleep(wait ?? backoff(attempt - 1, baseMs, 10_000))
  }
}

/**
 * Fires a run's rows still waiting, in row order, at its rate, recording each page's outcomes
 * (a row acknowledged is never sent again, across a crash and a resume); then writes its files.
 */
export async function fireRun(deps: ReplayDeps, runId: string): Promise<Effect> {
  const run = await findRun(deps.db, runId)
  if (run === undefined) return {}
  // Ended before a crash let it publish and delete its rows, or still writing its files.
  if (run.status === 'writing' || run.status === 'completed') {
    await finishRun(deps, runId, { status: 'completed' })
    return {}
  }
  if (run.status !== 'firing') return {}
  const config = run.client_config
  const pace = pacer(run.rate_per_second ?? config.ratePerSecond)
  const inFlight = limiter(
    Math.max(1, Math.min(MAX_IN_FLIGHT, run.rate_per_second ?? config.ratePerSecond)),
  )
  const agent = outboundAgent(deps.outbound, {
    headersTimeout: config.timeoutMs,
    bodyTimeout: config.timeoutMs,
  })
  try {
    // Outcomes are recorded in small groups as requests end, so that a crash sends again at
    // most the requests in flight and a group not yet recorded (with the same Idempotency-Key).
    let unrecorded: RowOutcome[] = []
    let recording = Promise.resolve()
    const record = (force: boolean) => {
      if (unrecorded.length === 0 || (!force && unrecorded.length < RECORD_EVERY)) return recording
      const group = unrecorded
      unrecorded = []
      recording = recording.then(async () => {
        await recordOutcomes(deps.db, runId, group)
        for (const o of group) deps.metrics?.replay.rows.inc({ outcome: o.status })
      })
      return recording
    }
    for (let after = 0; ;) {
      const rows = await runRows(deps.db, runId, after, PAGE, true)
      const last = rows.at(-1)
      if (last === undefined) break
      await Promise.all(
        rows.map((row) =>
          inFlight(async () => {
            await pace()
            // Taken before it is pushed: the array may be a group recorded meanwhile.
            const outcome = await fireRow(deps, run, config, agent, row)
            unrecorded.push(outcome)
            await record(false)
          }),
        ),
      )
      await record(true)
      after = last.row
      if (deps.stopping?.aborted === true)
        throw new StopRequestedError('the worker is stopping; the run is handed over')
    }
  } finally {
    await agent.close()
  }
  await moveRun(deps.db, runId, 'writing', ['firing'])
  await finishRun(deps, runId, { status: 'completed' })
  return {}
}

/** The firing actor: one run at a time from `replay:{runs}:fire`. */
export function replayFireActor(deps: ReplayDeps): ActorDefinition<RunMessage> {
  return oneJobActor({
    name: 'replay-fire',
    stream: deps.keys.replayFire,
    schema: RunMessage,
    run: ({ runId }) => fireRun(deps, runId),
    deadLettered: async (entries) => {
      for (const { value, error } of entries)
        await failRun(deps, value.runId, ['firing', 'writing'], error)
    },
  })
}
