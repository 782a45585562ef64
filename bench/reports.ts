/**
 * Reports: a 1,100,000-row dataset (qualified purchases) exported as CSV and then as XLSX, each
 * in two parts (Excel's sheet limit splits it), by a `campaign-streams work` child process.
 * Prints rows/s of each export, CPU per row of each process and the worker's peak RSS.
 */
import { sql } from 'kysely'
import { benchEnvironment } from './environment.js'
import { cli, cpuMeter, exited, logged, microsEach, peakRssMb, sleep } from './support.js'

const ROWS = Number(process.env.BENCH_REPORT_ROWS ?? 1_100_000)
const e = await benchEnvironment('reports')
const json = (method: string, body: unknown) => ({
  method,
  headers: { ...e.admin, 'content-type': 'application/json' },
  body: JSON.stringify(body),
})
const created = await e.app.request(
  '/campaigns',
  json('POST', {
    type: 'purchase',
    itemId: '7',
    prize: { value: '100.00', currency: 'USD' },
    startDateTime: '2026-01-01T00:00:00Z',
    endDateTime: '2099-01-01T00:00:00Z',
  }),
)
const { campaignId } = (await created.json()) as { campaignId: string }
const seeded = performance.now()
await sql`
  INSERT INTO scored_purchase
    (campaign_id, event_id, user_id, amount, currency, rate, amount_minor, purchased_at, scored_at)
  SELECT ${campaignId}, 'event-' || g, 'user-' || (g % 50000), (g % 10000) / 100.0 + 1, 'EUR', 1.1,
    ((g % 10000) + 100) * 11 / 10, timestamptz '2026-06-01' + g * interval '1 second',
    timestamptz '2026-06-01' + g * interval '1 second' + interval '2 seconds'
  FROM generate_series(1, ${ROWS}) g`.execute(e.db)
await sql`ANALYZE scored_purchase`.execute(e.db)
console.log(
  `reports: ${ROWS} qualified purchases seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
)

const worker = cli(['work', '--actors', 'report-export'], e.env)
await logged(worker, 'actor started', 1)
try {
  for (const format of ['csv', 'xlsx'] as const) {
    const template = await e.app.request(
      '/reports/templates',
      json('POST', {
        name: `Purchases ${format}`,
        dataset: 'qualified_purchases',
        columns: [
          { column: 'campaign_id' },
          { column: 'event_id' },
          { column: 'user_id' },
          { column: 'amount' },
          { column: 'currency' },
          { column: 'amount_base' },
          { column: 'purchased_at' },
          { column: 'scored_at' },
        ],
        format,
      }),
    )
    const { id: templateId } = (await template.json()) as { id: string }
    const cpuUsed = cpuMeter([worker.pid, process.pid], ['postgres'])
    const started = performance.now()
    const run = await e.app.request(`/reports/templates/${templateId}/run`, {
      method: 'POST',
      headers: e.admin,
    })
    const { id } = (await run.json()) as { id: string }
    let job: { status: string; total?: number; parts?: number; error?: string | null }
    for (;;) {
      job = (await (
        await e.app.request(`/reports/jobs/${id}`, { headers: e.admin })
      ).json()) as typeof job
      if (job.status === 'succeeded' || job.status === 'failed') break
      await sleep(100)
    }
    const seconds = (performance.now() - started) / 1000
    const [workerCpu, httpCpu, postgresCpu] = cpuUsed()
    const manifest = (await (
      await e.app.request(`/reports/jobs/${id}/output`, { headers: e.admin })
    ).json()) as { parts: { rows: number; bytes: number }[] }
    const target = format === 'csv' ? '≥ 100,000' : '≥ 30,000'
    console.log(
      `reports: ${format} ${job.status}${job.error ? ` (${job.error})` : ''}: ${job.total ?? 0} rows in ${job.parts ?? 0} parts (${manifest.parts?.map((p) => `${p.rows} rows ${(p.bytes / 1e6).toFixed(0)} MB`).join(', ')}) in ${seconds.toFixed(2)} s → ${Math.round(ROWS / seconds)} rows/s (target ${target})`,
    )
    const perRow = (s: number | undefined) => microsEach(s, ROWS, 2)
    console.log(
      `reports: ${format} CPU per row ${perRow(workerCpu)} µs export worker, ${perRow(httpCpu)} µs HTTP process, ${perRow(postgresCpu)} µs Postgres`,
    )
  }
  console.log(
    `reports: peak RSS ${peakRssMb(worker.pid).toFixed(0)} MB in the export worker (target ≤ 300 MB)`,
  )
} finally {
  worker.kill('SIGTERM')
  await exited(worker).catch(() => undefined)
  await e.close()
}
