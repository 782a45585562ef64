/**
 * Factory: a generated 100,000-row user XLSX → validated, then created in the built-in
 * registry, then annotated. The HTTP app runs here; the factory actors run in a
 * `campaign-streams work` child process. Prints rows/s of each phase and the worker's peak RSS.
 */
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, stat } from 'node:fs/promises'
import { Readable } from 'node:stream'
import ExcelJS from 'exceljs'
import { benchEnvironment } from './environment.js'
import { cli, cpuMeter, exited, logged, microsEach, peakRssMb, sleep } from './support.js'

const ROWS = Number(process.env.BENCH_FACTORY_ROWS ?? 100_000)
const e = await benchEnvironment('factory')
const file = '.data/bench-factory.xlsx'
await mkdir('.data', { recursive: true })
{
  const out = createWriteStream(file)
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: true })
  const sheet = book.addWorksheet('user')
  sheet
    .addRow([
      'Name of the Person',
      'Phone Number',
      'Role',
      'Employment Type',
      'Email',
      'Boundary Code',
    ])
    .commit()
  const roles = ['Distributor', 'Supervisor', 'Warehouse Manager']
  for (let i = 0; i < ROWS; i++)
    sheet
      .addRow([
        `Person ${i}`,
        String(9_000_000_000 + i),
        roles[i % 3],
        i % 2 === 0 ? 'Temporary' : 'Permanent',
        `person${i}@example.org`,
        i % 2 === 0 ? 'D1' : 'D2',
      ])
      .commit()
  sheet.commit()
  await book.commit()
  if (!out.writableFinished) await once(out, 'finish')
}
const bytes = (await stat(file)).size
const json = (method: string, body: unknown) => ({
  method,
  headers: { ...e.admin, 'content-type': 'application/json' },
  body: JSON.stringify(body),
})
await e.app.request(
  '/project-factory/hierarchies/BENCH',
  json('PUT', { levels: ['state', 'district'] }),
)
await e.app.request(
  '/project-factory/boundaries',
  json('POST', {
    hierarchyType: 'BENCH',
    boundaries: [
      { code: 'S1', name: 'State', level: 'state' },
      { code: 'D1', name: 'District 1', level: 'district', parentCode: 'S1' },
      { code: 'D2', name: 'District 2', level: 'district', parentCode: 'S1' },
    ],
  }),
)
const created = await e.app.request(
  '/campaigns',
  json('POST', { type: 'project', name: 'bench', hierarchyType: 'BENCH', boundaries: ['S1'] }),
)
const { campaignId } = (await created.json()) as { campaignId: string }
const kept = await e.app.request('/files?name=users.xlsx', {
  method: 'POST',
  headers: { ...e.admin, 'content-type': 'application/octet-stream' },
  body: Readable.toWeb(createReadStream(file)) as ReadableStream,
  duplex: 'half',
})
const { fileStoreId } = (await kept.json()) as { fileStoreId: string }

const worker = cli(['work', '--actors', 'factory-validate,factory-create,factory-annotate'], e.env)
await logged(worker, 'actor started', 3)
try {
  const cpuUsed = cpuMeter([worker.pid, process.pid], ['postgres'])
  const started = performance.now()
  const res = await e.app.request(
    '/project-factory/v1/data/_create',
    json('POST', {
      type: 'user',
      fileStoreId,
      hierarchyType: 'BENCH',
      campaignId,
      action: 'create',
    }),
  )
  const { id } = (await res.json()) as { id: string }
  const entered = new Map<string, number>()
  let job: { status: string; counts: Record<string, number>; error?: string }
  for (;;) {
    job = (await (
      await e.app.request(`/project-factory/v1/data/${id}`, { headers: e.admin })
    ).json()) as typeof job
    if (!entered.has(job.status)) {
      entered.set(job.status, performance.now())
      if (process.env.BENCH_TRACE !== undefined)
        console.log(`  ${job.status} at peak RSS ${peakRssMb(worker.pid).toFixed(0)} MB`)
    }
    if (!['accepted', 'validating', 'creating', 'annotating'].includes(job.status)) break
    await sleep(50)
  }
  const done = performance.now()
  const [workerCpu, httpCpu, postgresCpu] = cpuUsed()
  const at = (status: string, fallback: number) => entered.get(status) ?? fallback
  const validateS = (at('creating', done) - started) / 1000
  const createS = (at('annotating', done) - at('creating', done)) / 1000
  const annotateS = (done - at('annotating', done)) / 1000
  console.log(
    `factory: ${ROWS} user rows (${(bytes / 1e6).toFixed(1)} MB XLSX) → ${job.status} ${JSON.stringify(job.counts)}${job.error === undefined ? '' : ` (${job.error})`} in ${((done - started) / 1000).toFixed(2)} s`,
  )
  console.log(
    `factory: validate ${validateS.toFixed(2)} s → ${Math.round(ROWS / validateS)} rows/s (target ≥ 20,000); create ${createS.toFixed(2)} s → ${Math.round(ROWS / createS)} rows/s (target ≥ 5,000); annotate ${annotateS.toFixed(2)} s → ${Math.round(ROWS / annotateS)} rows/s`,
  )
  const perRow = (s: number | undefined) => microsEach(s, ROWS, 1)
  console.log(
    `factory: CPU per row ${perRow(workerCpu)} µs factory worker, ${perRow(httpCpu)} µs HTTP process, ${perRow(postgresCpu)} µs Postgres (all phases)`,
  )
  console.log(
    `factory: peak RSS ${peakRssMb(worker.pid).toFixed(0)} MB in the factory worker (target ≤ 300 MB)`,
  )
} finally {
  worker.kill('SIGTERM')
  await exited(worker).catch(() => undefined)
  await e.close()
}
