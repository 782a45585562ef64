/**
 * Executor: 100,000 released tasks (10 campaigns × 10,000, one slot starting at the same
 * minute) against a local HTTP sink with no rate limit. Prints calls/s and the delay from slot
 * start to each campaign's first call (p50/p99). Two `work` processes run the actors.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DateTime } from 'luxon'
import { SLOT_LEAD_MS } from '../pipelines/outreach/campaign-timers.js'
import { benchEnvironment, zoneAtHour } from './environment.js'
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

const CAMPAIGNS = 10
const PER_CAMPAIGN = Number(process.env.BENCH_TASKS_PER_CAMPAIGN ?? 10_000)
const TOTAL = CAMPAIGNS * PER_CAMPAIGN
const e = await benchEnvironment('executor')

const firstCall = new Map<string, number>()
let calls = 0
let lastCall = 0
const sink = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const now = Date.now()
    const { campaignId } = JSON.parse(Buffer.concat(chunks).toString()) as { campaignId: string }
    if (!firstCall.has(campaignId)) firstCall.set(campaignId, now)
    calls++
    lastCall = now
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"COMPLETED"}')
  })
})
sink.keepAliveTimeout = 30_000
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/flow`

const { zone, today } = zoneAtHour(12)
const now = DateTime.now().setZone(zone)
const start = now.plus({ minutes: now.second > 30 ? 2 : 1 }).startOf('minute')
const slot = { start: start.toFormat('HH:mm'), end: start.plus({ minutes: 30 }).toFormat('HH:mm') }
const slotStartMs = start.toMillis()

const workers = [0, 1].map(() =>
  cli(['work', '--actors', 'timers,upload-split,outreach-work,executor'], e.env),
)
try {
  await Promise.all(workers.map((w) => logged(w, 'actor started', 4)))
  const ids: string[] = []
  for (let c = 0; c < CAMPAIGNS; c++) {
    const res = await e.app.request('/campaigns', {
      method: 'POST',
      headers: { ...e.admin, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'outreach',
        name: `bench ${c}`,
        timezone: zone,
        workingHours: { start: '08:00', end: '20:00' },
        slots: [slot],
        startDate: today,
        days: 1,
        flow: { url, timeoutMs: 10_000 },
        ratePerSecond: 10_000,
      }),
    })
    const { campaignId } = (await res.json()) as { campaignId: string }
    ids.push(campaignId)
    const rows = Array.from(
      { length: PER_CAMPAIGN },
      (_, i) => `${7_000_000_000 + c * PER_CAMPAIGN + i}`,
    )
    await e.app.request(`/campaigns/${campaignId}/uploads`, {
      method: 'POST',
      headers: { ...e.admin, 'content-type': 'text/csv' },
      body: `phone\n${rows.join('\n')}\n`,
    })
  }
  for (;;) {
    const n = await e.db
      .selectFrom('flow_task')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow()
    if (Number(n.n) === TOTAL) break
    await sleep(200)
  }
  console.log(
    `executor: ${TOTAL} tasks ready; slot starts at ${start.toISO()} (in ${((slotStartMs - Date.now()) / 1000).toFixed(0)} s)`,
  )
  while (Date.now() < slotStartMs - 3000) await sleep(100)
  const cpuUsed = serviceCpuMeter(workers)
  // Where the first-call delay goes: the first entry of each hop once the release began
  // (SLOT_LEAD_MS ahead of the slot), then the first claim per campaign and the first call.
  // Entries are looked for as they come, every 50 ms until the slot starts: once acknowledged,
  // the stream trimmer may delete them.
  const releaseFrom = slotStartMs - SLOT_LEAD_MS - 1000
  const hops: [string, string][] = [
    ['timer fired', e.keys.timersDue],
    ['release queued', e.keys.outreachWork],
    ['task queued', e.keys.outreachDue],
  ]
  const firstAfter = async (key: string) => {
    const [entry] = (await e.redis.xrange(key, String(releaseFrom), '+', 'COUNT', 1)) as [
      string,
      string[],
    ][]
    return entry === undefined ? Number.NaN : Number(entry[0].split('-')[0]) - slotStartMs
  }
  const hopTimes = hops.map(() => Number.NaN)
  while (Date.now() < slotStartMs) {
    for (const [i, [, key]] of hops.entries())
      if (Number.isNaN(hopTimes[i])) hopTimes[i] = await firstAfter(key)
    await sleep(50)
  }
  // Redis memory stays bounded: released tasks wait in outreach:due and are trimmed once acked.
  let mostDue = 0
  while (calls < TOTAL && Date.now() < slotStartMs + 10 * 60_000) {
    mostDue = Math.max(mostDue, await e.redis.xlen(e.keys.outreachDue))
    await sleep(100)
  }
  const cpu = cpuUsed()
  const sinkCpu = process.cpuUsage()
  const delays = ids
    .map((id) => (firstCall.get(id) ?? Number.NaN) - slotStartMs)
    .sort((a, b) => a - b)
  const seconds = (lastCall - slotStartMs) / 1000
  console.log(
    `executor: ${calls} calls in ${seconds.toFixed(2)} s from slot start → ${Math.round(calls / seconds)} calls/s (target ≥ 5,000)`,
  )
  console.log(
    `executor: slot start → first call per campaign: p50 ${percentile(delays, 0.5)} ms, p99 ${percentile(delays, 0.99)} ms (target p99 ≤ 250 ms)`,
  )
  const claims = await e.db
    .selectFrom('task_attempt')
    .select(['campaign_id', (eb) => eb.fn.min('started_at').as('first')])
    .groupBy('campaign_id')
    .execute()
  const claimDelays = claims
    .map((c) => new Date(c.first as unknown as string).getTime() - slotStartMs)
    .sort((a, b) => a - b)
  const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${ms} ms`
  console.log(
    `executor: from slot start: ${hops.map(([name], i) => `first ${name} ${signed(hopTimes[i] ?? Number.NaN)}`).join(', ')}, first claim per campaign p50 ${signed(percentile(claimDelays, 0.5))} / p99 ${signed(percentile(claimDelays, 0.99))}, first call seen ${signed(Math.min(...delays))}`,
  )
  const perCall = (s: number) => `${microsEach(s, TOTAL)} µs`
  console.log(
    `executor: CPU per call: workers ${perCall(cpu.workers)}, Postgres ${perCall(cpu.postgres)}, Redis ${perCall(cpu.redis)} (this process, with the sink, ${perCall((sinkCpu.user + sinkCpu.system) / 1e6)} since it started)`,
  )
  console.log(
    `executor: outreach:due held at most ${mostDue} entries during the slot (of ${TOTAL} tasks released)`,
  )
  console.log(
    `executor: peak RSS per worker ${workers.map((w) => peakRssMb(w.pid).toFixed(0)).join(', ')} MB`,
  )
} finally {
  for (const w of workers) w.kill('SIGTERM')
  await Promise.all(workers.map((w) => exited(w).catch(() => undefined)))
  sink.closeAllConnections()
  sink.close()
  await e.close()
}
