/**
 * Upload: a generated 1,000,000-row CSV on a 2-slot campaign → every accepted record and
 * today's 2,000,000 tasks committed. The HTTP app runs here; upload-split runs in a
 * `campaign-streams work` child process. Prints rows/s and peak RSS of both.
 */
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, stat } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { benchEnvironment, zoneAtHour } from './environment.js'
import { cli, cpuMeter, exited, logged, microsEach, peakRssMb, sleep } from './support.js'

const ROWS = Number(process.env.BENCH_UPLOAD_ROWS ?? 1_000_000)
const e = await benchEnvironment('upload')
const file = '.data/bench-upload.csv'
await mkdir('.data', { recursive: true })
{
  // Written in pieces so that generating the file does not count in this process's peak RSS.
  const out = createWriteStream(file)
  out.write('phone,name,city\n')
  for (let i = 0; i < ROWS; i += 10_000) {
    let chunk = ''
    for (let j = i; j < Math.min(ROWS, i + 10_000); j++)
      chunk += `+91${9_000_000_000 + j},Name ${j},City ${j % 100}\n`
    if (!out.write(chunk)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}
const bytes = (await stat(file)).size
const { zone, today } = zoneAtHour(6) // both slots (10:00, 17:00) still ahead
const created = await e.app.request('/campaigns', {
  method: 'POST',
  headers: { ...e.admin, 'content-type': 'application/json' },
  body: JSON.stringify({
    type: 'outreach',
    name: 'bench',
    timezone: zone,
    workingHours: { start: '09:00', end: '21:00' },
    slots: [
      { start: '10:00', end: '12:00' },
      { start: '17:00', end: '19:00' },
    ],
    startDate: today,
    days: 1,
    flow: { url: 'http://127.0.0.1:9/flow' },
    ratePerSecond: 50,
  }),
})
const { campaignId } = (await created.json()) as { campaignId: string }
const worker = cli(['work', '--actors', 'upload-split'], e.env)
await logged(worker, 'actor started', 1)
try {
  const cpuUsed = cpuMeter([worker.pid, process.pid], ['postgres'])
  const started = performance.now()
  const res = await e.app.request(`/campaigns/${campaignId}/uploads`, {
    method: 'POST',
    headers: { ...e.admin, 'content-type': 'text/csv' },
    body: Readable.toWeb(createReadStream(file)) as ReadableStream,
    duplex: 'half',
  })
  const { requestId } = (await res.json()) as { requestId: string }
  const accepted = performance.now()
  let status: { status: string; rows: Record<string, number> }
  for (;;) {
    status = (await (
      await e.app.request(`/campaigns/${campaignId}/uploads/${requestId}`, { headers: e.admin })
    ).json()) as typeof status
    if (status.status === 'completed' || status.status === 'failed') break
    await sleep(100)
  }
  const done = performance.now()
  const [workerCpu, httpCpu, postgresCpu] = cpuUsed()
  const tasks = await e.db
    .selectFrom('flow_task')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow()
  console.log(
    `upload: ${ROWS} rows (${(bytes / 1e6).toFixed(0)} MB) accepted (streamed, checked) in ${((accepted - started) / 1000).toFixed(2)} s`,
  )
  console.log(
    `upload: ${status.status}, ${JSON.stringify(status.rows)}, ${tasks.n} tasks, ${((done - started) / 1000).toFixed(2)} s end to end → ${Math.round(ROWS / ((done - started) / 1000))} rows/s (target ≥ 100,000)`,
  )
  const perRow = (s: number | undefined) => microsEach(s, ROWS, 1)
  console.log(
    `upload: CPU per row ${perRow(workerCpu)} µs upload-split worker, ${perRow(httpCpu)} µs HTTP process, ${perRow(postgresCpu)} µs Postgres (2 cores: ${(((done - started) / 1000 / ROWS) * 2e6).toFixed(1)} µs available)`,
  )
  console.log(
    `upload: peak RSS ${peakRssMb(worker.pid).toFixed(0)} MB in the upload-split worker, ${peakRssMb(process.pid).toFixed(0)} MB in the HTTP process (target ≤ 300 MB)`,
  )
} finally {
  worker.kill('SIGTERM')
  await exited(worker).catch(() => undefined)
  await e.close()
}
