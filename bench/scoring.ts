/**
 * Purchase scoring end to end: producers → purchase-qualify → reduce-to-leaderboard → Redis.
 * 1. Throughput: 200,000 pipelined purchase events from 10,000 users in one campaign; the rate
 *    until every event is in the leaderboard.
 * 2. Latency: a steady 5,000 events/s; event-to-leaderboard p50/p99.
 * Workers run as `campaign-streams work` child processes (BENCH_WORKERS, default 2).
 */
import pg from 'pg'
import { entryTime, firstStreamEntries, groupInfos } from '../storage/redis/streams.js'
import { benchEnvironment } from './environment.js'
import {
  cli,
  exited,
  logged,
  microsEach,
  peakRssMb,
  percentile,
  serviceCpuMeter,
  sleep,
} from './support.js'

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000)
const USERS = 10_000
const RATE = 5000
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 10)
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2)

const bench = await benchEnvironment('scoring')
const { env, redis, keys } = bench
const DATABASE_URL = env.DATABASE_URL

/** Creates the campaign through the real HTTP app (no socket needed). */
async function setUp(): Promise<string> {
  const res = await bench.app.request('/campaigns', {
    method: 'POST',
    headers: { ...bench.admin, 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'purchase',
      itemId: '7',
      prize: { value: '100.00', currency: 'USD' },
      startDateTime: '2026-01-01T00:00:00Z',
      endDateTime: '2099-01-01T00:00:00Z',
    }),
  })
  return ((await res.json()) as { campaignId: string }).campaignId
}

/** Sum of every total in the Redis leaderboard, in minor units. */
async function leaderboardSum(campaignId: string): Promise<bigint> {
  const flat = await redis.zrange(keys.leaderboard(campaignId), 0, -1, 'WITHSCORES')
  let sum = 0n
  for (let i = 1; i < flat.length; i += 2) sum += BigInt(flat[i] ?? '0')
  return sum
}

function purchaseArgs(i: number, eventId: string): string[] {
  return [
    'userId',
    String(1 + (i % USERS)),
    'itemId',
    '7',
    'amount',
    `${1 + (i % 5)}.00`,
    'currency',
    'USD',
    'timestamp',
    '2026-06-01T10:00:00Z',
    'eventId',
    eventId,
  ]
}

let expected = 0n

/** Writes events `from`..`to` (pipelined) and adds their amounts to `expected`. */
async function produce(from: number, to: number, prefix: string): Promise<void> {
  for (let start = from; start < to; start += 5000) {
    const pipeline = redis.pipeline()
    for (let i = start; i < Math.min(to, start + 5000); i++) {
      expected += BigInt(100 * (1 + (i % 5)))
      pipeline.xadd(keys.purchaseEvents, '*', ...purchaseArgs(i, `${prefix}${i}`))
    }
    await pipeline.exec()
  }
}

/**
 * Whether both hops have read and acked everything (cheap: XINFO GROUPS). A batch's acks commit
 * with its leaderboard update, so only then can the leaderboard be complete.
 */
async function streamsDrained(): Promise<boolean> {
  for (const stream of [keys.purchaseEvents, keys.qualifiedPurchases]) {
    const groups = await groupInfos(redis, stream)
    if (groups.length === 0 || groups.some((g) => g.lag !== 0 || g.pending !== 0)) return false
  }
  return true
}

/**
 * Waits until the leaderboard holds every event. Summing its 10,000 members every few
 * milliseconds would take CPU from the workers being measured, so it is summed only once the
 * streams look drained (and every half second in case XINFO cannot tell the lag).
 */
async function untilScored(campaignId: string): Promise<void> {
  for (let check = 1; ; check++) {
    if ((await streamsDrained()) || check % 100 === 0) {
      if ((await leaderboardSum(campaignId)) === expected) return
    }
    await sleep(5)
  }
}

const seconds = (from: number, to: number) => ((to - from) / 1000).toFixed(2)

/** Events already in the stream, workers just started: processing alone. */
async function drain(campaignId: string): Promise<void> {
  const started = performance.now()
  await produce(0, EVENTS, 'd')
  console.log(
    `produce: ${EVENTS} events pipelined in ${seconds(started, performance.now())} s (no worker running)`,
  )
  const workers = startWorkers()
  await Promise.all(workers.map((w) => logged(w, 'actor started', 2)))
  const cpuUsed = workerCpuMeter(workers)
  const ready = performance.now()
  await untilScored(campaignId)
  const done = performance.now()
  console.log(
    `drain: ${EVENTS} queued events into the leaderboard in ${seconds(ready, done)} s → ${Math.round(EVENTS / ((done - ready) / 1000))} events/s`,
  )
  console.log(`drain: ${cpuUsed(EVENTS, done - ready)}`)
  return stopWorkers(workers)
}

/**
 * Starts counting the CPU of the workers, Postgres and Redis; the function returned describes
 * it per event for `events` processed in `elapsedMs`.
 */
function workerCpuMeter(workers: ReturnType<typeof startWorkers>) {
  const cpuUsed = serviceCpuMeter(workers)
  return (events: number, elapsedMs: number): string => {
    const used = cpuUsed()
    const perEvent = (cpuSecondsUsed: number) => microsEach(cpuSecondsUsed, events)
    return `CPU per event: workers ${perEvent(used.workers)} µs (both hops), Postgres ${perEvent(used.postgres)} µs, Redis ${perEvent(used.redis)} µs (2 cores = ${perEvent(2 * (elapsedMs / 1000))} µs of CPU per event at this rate)`
  }
}

/** Workers running, events produced meanwhile: from the first write to the last in the leaderboard. */
async function endToEnd(campaignId: string): Promise<void> {
  const started = performance.now()
  await produce(0, EVENTS, 't')
  const produced = performance.now()
  await untilScored(campaignId)
  const done = performance.now()
  console.log(
    `end to end: ${EVENTS} events (written in ${seconds(started, produced)} s) in the leaderboard after ${seconds(started, done)} s → ${Math.round(EVENTS / ((done - started) / 1000))} events/s (target ≥ 50,000)`,
  )
}

async function latency(workers: ReturnType<typeof startWorkers>): Promise<void> {
  const total = RATE * STEADY_SECONDS
  const cpuUsed = workerCpuMeter(workers)
  const sentAt = new Map<string, number>()
  const tickMs = 10
  const perTick = (RATE * tickMs) / 1000
  const start = Date.now()
  const updatesFrom = `${start}-0`
  for (let tick = 0, sent = 0; sent < total; tick++) {
    const due = start + tick * tickMs
    const wait = due - Date.now()
    if (wait > 0) await sleep(wait)
    const pipeline = redis.pipeline()
    const now = Date.now()
    for (let k = 0; k < perTick && sent < total; k++, sent++) {
      const eventId = `l${sent}`
      sentAt.set(eventId, now)
      pipeline.xadd(keys.purchaseEvents, '*', ...purchaseArgs(sent, eventId))
    }
    await pipeline.exec()
  }
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  for (;;) {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM scored_purchase WHERE event_id LIKE 'l%'`,
    )
    if (Number(rows[0]?.n) === total) break
    await sleep(50)
  }
  const cpu = cpuUsed(total, Date.now() - start)
  await sleep(200)
  // When each event became visible: the first leaderboard update committed after its row.
  const updates: number[] = []
  let last = updatesFrom
  for (;;) {
    const entries = firstStreamEntries(
      await redis.xread('COUNT', 10_000, 'STREAMS', keys.resultsUpdates, last),
    )
    if (entries.length === 0) break
    for (const e of entries) updates.push(entryTime(e.id))
    last = entries[entries.length - 1]?.id ?? last
  }
  const { rows } = await client.query<{ event_id: string; scored: string }>(
    `SELECT event_id, (extract(epoch FROM scored_at) * 1000)::bigint AS scored FROM scored_purchase WHERE event_id LIKE 'l%'`,
  )
  await client.end()
  const latencies: number[] = []
  for (const row of rows) {
    const scored = Number(row.scored)
    let lo = 0
    let hi = updates.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((updates[mid] ?? 0) < scored) lo = mid + 1
      else hi = mid
    }
    const visible = updates[lo] ?? scored
    latencies.push(visible - (sentAt.get(row.event_id) ?? visible))
  }
  latencies.sort((a, b) => a - b)
  console.log(
    `latency at ${RATE}/s for ${STEADY_SECONDS} s (${total} events): p50 ${percentile(latencies, 0.5)} ms, p99 ${percentile(latencies, 0.99)} ms, max ${latencies[latencies.length - 1]} ms (target p99 ≤ 50 ms)`,
  )
  console.log(`latency: ${cpu}`)
}

function startWorkers() {
  return Array.from({ length: WORKERS }, () =>
    cli(['work', '--actors', 'purchase-qualify,reduce-to-leaderboard'], env),
  )
}

async function stopWorkers(workers: ReturnType<typeof startWorkers>): Promise<void> {
  for (const w of workers) w.kill('SIGTERM')
  await Promise.all(workers.map((w) => exited(w).catch(() => undefined)))
}

const campaignId = await setUp()
try {
  await drain(campaignId)
  const workers = startWorkers()
  await Promise.all(workers.map((w) => logged(w, 'actor started', 2)))
  await endToEnd(campaignId)
  await latency(workers)
  const rss = workers.map((w) => peakRssMb(w.pid).toFixed(0))
  console.log(`peak RSS per worker process: ${rss.join(', ')} MB (${WORKERS} workers)`)
  await stopWorkers(workers)
} finally {
  await bench.close()
}
