/**
 * Replay: a 100,000-row CSV for one client, run dry and then fired live at a local sink, by a
 * `campaign-streams work --actors replay-validate,replay-fire` child. Prints rows/s of the dry
 * run, requests/s of the live run, CPU per row of each process and the worker's peak RSS.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { benchEnvironment } from './environment.js'
import { cli, cpuMeter, exited, logged, microsEach, peakRssMb, sleep } from './support.js'

const ROWS = Number(process.env.BENCH_REPLAY_ROWS ?? 100_000)
const e = await benchEnvironment('replay')
let received = 0
let firstAt = 0
let lastAt = 0
const sink = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    received++
    lastAt = performance.now()
    if (firstAt === 0) firstAt = lastAt
    res.end('{"ok":true}')
  })
})
sink.listen(0, '127.0.0.1')
await new Promise((resolve) => sink.once('listening', resolve))
const { port } = sink.address() as AddressInfo
const json = (method: string, body: unknown) => ({
  method,
  headers: { ...e.admin, 'content-type': 'application/json' },
  body: JSON.stringify(body),
})
const saved = await e.app.request(
  '/replay/clients/bench',
  json('PUT', {
    accountToken: 'BENCH-TOKEN-0001',
    targetUrl: `http://127.0.0.1:${port}/collect`,
    method: 'GET',
    mapping: {
      'Visit date': {
        field: 'date',
        handler: 'datetime',
        required: true,
        options: { zone: 'Europe/London' },
      },
      Email: { field: 'uid', handler: 'sha256', required: true },
      Event: { field: 'ev', handler: 'enum', options: { values: ['visit', 'sale'] } },
      Amount: { field: 'amount', handler: 'money', options: { currency: 'GBP' } },
      Country: { field: 'cc', handler: 'country' },
    },
    ratePerSecond: 10_000,
    timeoutMs: 5000,
    maxAttempts: 3,
  }),
)
if (saved.status !== 201) throw new Error(`client not saved: ${await saved.text()}`)
const lines = ['Visit date,Email,Event,Amount,Country']
for (let i = 0; i < ROWS; i++)
  lines.push(
    `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:${String(i % 60).padStart(2, '0')}:00,user${i}@example.org,${i % 3 === 0 ? 'sale' : 'visit'},${(i % 500) + 0.5},${i % 2 === 0 ? 'GB' : 'ie'}`,
  )
const csv = `${lines.join('\n')}\n`

const worker = cli(['work', '--actors', 'replay-validate,replay-fire'], e.env)
await logged(worker, 'actor started', 2)
type Run = { id: string; status: string; counts: Record<string, number>; error: string | null }
const until = async (id: string) => {
  for (;;) {
    const run = (await (await e.app.request(`/replays/${id}`, { headers: e.admin })).json()) as Run
    if (['completed', 'refused', 'failed'].includes(run.status)) return run
    await sleep(100)
  }
}
try {
  let cpuUsed = cpuMeter([worker.pid, process.pid], ['postgres'])
  let started = performance.now()
  const res = await e.app.request('/replays?client=bench&dryRun=true', {
    method: 'POST',
    headers: { ...e.admin, 'content-type': 'text/csv' },
    body: csv,
  })
  const { id } = (await res.json()) as { id: string }
  const dry = await until(id)
  let seconds = (performance.now() - started) / 1000
  let [workerCpu, httpCpu, postgresCpu] = cpuUsed()
  const perRow = (s: number | undefined) => microsEach(s, ROWS, 1)
  console.log(
    `replay: dry run ${dry.status} ${JSON.stringify(dry.counts)} in ${seconds.toFixed(2)} s → ${Math.round(ROWS / seconds)} rows/s (target ≥ 50,000); ${received} requests sent`,
  )
  console.log(
    `replay: dry run CPU per row ${perRow(workerCpu)} µs replay worker, ${perRow(httpCpu)} µs HTTP process (upload and check), ${perRow(postgresCpu)} µs Postgres`,
  )
  cpuUsed = cpuMeter([worker.pid, process.pid], ['postgres'])
  started = performance.now()
  const fired = await e.app.request(`/replays/${id}/fire`, json('POST', {}))
  const { id: liveId } = (await fired.json()) as { id: string }
  const live = await until(liveId)
  seconds = (performance.now() - started) / 1000
  ;[workerCpu, httpCpu, postgresCpu] = cpuUsed()
  const firing = (lastAt - firstAt) / 1000
  console.log(
    `replay: live run ${live.status} ${JSON.stringify(live.counts)}${live.error === null ? '' : ` (${live.error})`} in ${seconds.toFixed(2)} s; ${received} requests received, firing ${firing.toFixed(2)} s → ${Math.round(received / firing)} requests/s (target ≥ 5,000)`,
  )
  console.log(
    `replay: live run CPU per row ${perRow(workerCpu)} µs replay worker, ${perRow(httpCpu)} µs bench process (sink and HTTP), ${perRow(postgresCpu)} µs Postgres`,
  )
  console.log(
    `replay: peak RSS ${peakRssMb(worker.pid).toFixed(0)} MB in the replay worker (target ≤ 300 MB)`,
  )
} finally {
  worker.kill('SIGTERM')
  await exited(worker).catch(() => undefined)
  sink.close()
  await e.close()
}
