import { sql } from 'kysely'
import ExcelJS from 'exceljs'
import { createTemplate, type TemplateInput } from '../../pipelines/reports/templates.js'
import type { ReportsDeps } from '../../pipelines/reports/deps.js'
import { requestRun } from '../../pipelines/reports/jobs.js'
import type { Clock } from '../../pipelines/runtime/clock.js'
import type { WorkerDeps } from '../../pipelines/workers.js'
import { findReportJob } from '../../storage/postgres/reports/job-request.repository.js'
import type { JobRequestRow } from '../../storage/postgres/reports/job-request.table.js'
import { purchaseCampaign, scoringDeps } from './scoring.js'
import type { TestServices } from './services.js'

/** Report dependencies over a test file's services, with `reports` settings for tests. */
export function reportsDeps(
  s: TestServices,
  clock: Clock,
  reports: ReportsDeps['reports'] = {},
): WorkerDeps {
  return { ...scoringDeps(s, clock), reports: { stallSeconds: 2, fetchRows: 100, ...reports } }
}

/**
 * A purchase campaign (item `itemId`) with `n` totals: user `u<i>` spent `i` × 1.25 USD, reached
 * one second apart from 2026-06-01; `userOf` names users otherwise. Returns the campaign's id.
 */
export async function campaignWithTotals(
  s: TestServices,
  itemId: string,
  n: number,
  userOf = (i: number) => `u${i}`,
): Promise<string> {
  const campaignId = await purchaseCampaign(s, { itemId })
  const users = Array.from({ length: n }, (_, i) => userOf(i + 1))
  await sql`
    INSERT INTO purchase_total (campaign_id, user_id, total_minor, reached_at)
    SELECT ${campaignId}, u.user_id, u.i * 125,
      timestamptz '2026-06-01T00:00:00Z' + u.i * interval '1 second'
    FROM unnest(${users}::text[]) WITH ORDINALITY AS u(user_id, i)`.execute(s.db)
  return campaignId
}

/** Defines a template for `owner` and requests a run of it now; returns the queued job. */
export async function templateJob(
  deps: ReportsDeps,
  input: Partial<TemplateInput>,
  owner = { userId: '7', admin: true },
): Promise<JobRequestRow> {
  const template = await createTemplate(
    deps.db,
    {
      name: 'Totals',
      dataset: 'purchase_totals',
      columns: [
        { column: 'campaign_id' },
        { column: 'user_id', label: 'User' },
        { column: 'total' },
        { column: 'reached_at' },
        { column: 'position' },
      ],
      filters: [],
      sort: [{ column: 'reached_at', direction: 'asc' }],
      format: 'csv',
      bom: false,
      ...input,
    },
    owner,
  )
  const { job } = await requestRun(deps, template, {
    scheduledForMs: deps.clock.now(),
    timezone: 'UTC',
  })
  return job
}

/** A job as it is now in Postgres. */
export async function jobNow(deps: Pick<ReportsDeps, 'db'>, id: string): Promise<JobRequestRow> {
  const job = await findReportJob(deps.db, id)
  if (job === undefined) throw new Error(`no job ${id}`)
  return job
}

/** Every row of a workbook's first sheet, each cell's value as exceljs reads it (typed). */
export async function xlsxValues(bytes: Buffer): Promise<unknown[][]> {
  const book = new ExcelJS.Workbook()
  await book.xlsx.load(bytes as unknown as ArrayBuffer)
  const sheet = book.worksheets[0]
  const rows: unknown[][] = []
  sheet?.eachRow((row) => {
    rows.push((row.values as unknown[]).slice(1))
  })
  return rows
}

/** A stored file's bytes. */
export async function fileBytes(s: TestServices, fileStoreId: string): Promise<Buffer> {
  const row = await s.db
    .selectFrom('stored_file')
    .select('file_key')
    .where('id', '=', fileStoreId)
    .executeTakeFirstOrThrow()
  const chunks: Buffer[] = []
  for await (const chunk of s.files.read(row.file_key)) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
