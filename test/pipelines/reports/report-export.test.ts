import { parse } from 'csv-parse/sync'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runReportJob } from '../../../pipelines/reports/report-export.actor.js'
import { sweepReports } from '../../../pipelines/reports/report-sweeper.js'
import { manualClock } from '../../../pipelines/runtime/clock.js'
import {
  grantViewer,
  withdrawViewer,
} from '../../../storage/postgres/reports/report-template.repository.js'
import {
  campaignWithTotals,
  fileBytes,
  jobNow,
  reportsDeps,
  templateJob,
  xlsxValues,
} from '../../support/reports.js'
import { isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
let campaignA: string
let campaignB: string
const clock = manualClock(Date.parse('2026-12-03T08:00:00Z'))

beforeAll(async () => {
  s = await isolatedServices()
  campaignA = await campaignWithTotals(s, '31', 25)
  campaignB = await campaignWithTotals(
    s,
    '32',
    3,
    (i) => ['=HYPERLINK("x")', '+1', '@me'][i - 1] ?? '',
  )
})
afterAll(async () => {
  await s.close()
})

const csvRows = (bytes: Buffer): string[][] => parse(bytes, { bom: true })

const manifestOf = async (id: string) => {
  const job = await jobNow(reportsDeps(s, clock), id)
  expect(job.error).toBeNull()
  expect(job.status).toBe('succeeded')
  if (job.job_output === null) throw new Error('no output')
  return job.job_output
}

describe('report exports', () => {
  it('should split XLSX into parts of typed cells whose rows add up to the count', async () => {
    const deps = reportsDeps(s, clock, { maxRowsPerPart: 10 })
    const job = await templateJob(deps, {
      name: 'Split totals',
      format: 'xlsx',
      filters: [{ column: 'campaign_id', op: 'eq', value: Number(campaignA) }],
    })
    await runReportJob(deps, job.id)
    const manifest = await manifestOf(job.id)
    expect(manifest.total).toBe(25)
    expect(manifest.parts.map((p) => [p.name, p.rows, p.firstRow, p.lastRow])).toEqual([
      ['Split-totals-2026-12-03-part-001-of-003.xlsx', 10, 1, 10],
      ['Split-totals-2026-12-03-part-002-of-003.xlsx', 10, 11, 20],
      ['Split-totals-2026-12-03-part-003-of-003.xlsx', 5, 21, 25],
    ])
    const users: unknown[] = []
    for (const part of manifest.parts) {
      const rows = await xlsxValues(await fileBytes(s, part.fileStoreId))
      expect(rows[0]).toEqual(['campaign_id', 'User', 'total', 'reached_at', 'position'])
      expect(rows).toHaveLength(part.rows + 1)
      users.push(...rows.slice(1).map((r) => r[1]))
      if (part.part === 1)
        expect(rows[1]).toEqual([
          Number(campaignA),
          'u1',
          1.25,
          new Date('2026-06-01T00:00:01Z'),
          25,
        ])
    }
    expect(users).toEqual(Array.from({ length: 25 }, (_, i) => `u${i + 1}`))
    expect(Number((await jobNow(deps, job.id)).rows_written)).toBe(25)
  })

  it('should write CSV with a BOM, the header in each part, and formulas escaped', async () => {
    const deps = reportsDeps(s, clock, { maxRowsPerPart: 2 })
    const job = await templateJob(deps, {
      name: 'Escaped',
      bom: true,
      columns: [{ column: 'user_id' }, { column: 'total' }],
      filters: [{ column: 'campaign_id', op: 'eq', value: Number(campaignB) }],
    })
    await runReportJob(deps, job.id)
    const manifest = await manifestOf(job.id)
    expect(manifest.parts.map((p) => p.rows)).toEqual([2, 1])
    const [first, second] = await Promise.all(
      manifest.parts.map((p) => fileBytes(s, p.fileStoreId)),
    )
    expect(first?.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    const rows = [first, second].flatMap((bytes) => csvRows(bytes ?? Buffer.alloc(0)))
    expect(rows).toEqual([
      ['user_id', 'total'],
      [`'=HYPERLINK("x")`, '1.25'],
      ["'+1", '2.50'],
      ['user_id', 'total'],
      ["'@me", '3.75'],
    ])
  })

  it('should run with its owner’s grants as they are at the run', async () => {
    const deps = reportsDeps(s, clock)
    await grantViewer(s.db, { campaignId: campaignA, userId: '9', grantedBy: '1' })
    await grantViewer(s.db, { campaignId: campaignB, userId: '9', grantedBy: '1' })
    const input = { columns: [{ column: 'campaign_id' }], sort: [] }
    const before = await templateJob(deps, input, { userId: '9', admin: false })
    await runReportJob(deps, before.id)
    expect((await manifestOf(before.id)).total).toBe(28)
    await withdrawViewer(s.db, campaignA, '9')
    const after = await templateJob(deps, input, { userId: '9', admin: false })
    await runReportJob(deps, after.id)
    const manifest = await manifestOf(after.id)
    expect(manifest.total).toBe(3)
    const rows = csvRows(await fileBytes(s, manifest.parts[0]?.fileStoreId ?? ''))
    expect(new Set(rows.slice(1).map((r) => r[0]))).toEqual(new Set([campaignB]))
  })

  it('should fail at once, with the reason, a job whose column no longer exists', async () => {
    const deps = reportsDeps(s, clock)
    const job = await templateJob(deps, {})
    await sql`UPDATE job_requests SET job_input = jsonb_set(job_input, '{dynamicColumns,0,columnName}', '"spend"')
      WHERE id = ${job.id}`.execute(s.db)
    await runReportJob(deps, job.id)
    const failed = await jobNow(deps, job.id)
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 })
    expect(failed.error).toContain('purchase_totals has no column spend')
  })

  it('should retry after a dropped connection and finish with every row', async () => {
    const deps = reportsDeps(s, clock, { fetchRows: 1 })
    const job = await templateJob(deps, {
      filters: [{ column: 'campaign_id', op: 'eq', value: Number(campaignA) }],
    })
    let killed = 0
    const killer = (async () => {
      for (let i = 0; i < 500 && killed === 0; i++) {
        const result = await sql<{ killed: boolean }>`
          SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
          WHERE application_name = ${`report-export ${job.id}`}`.execute(s.db)
        killed += result.rows.filter((r) => r.killed).length
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    })()
    await runReportJob(deps, job.id)
    await killer
    expect(killed).toBe(1)
    const done = await jobNow(deps, job.id)
    expect(done.attempts).toBe(2)
    expect((await manifestOf(job.id)).total).toBe(25)
  })

  it('should report a cell longer than a spreadsheet holds, and cut it only in XLSX', async () => {
    const long = 'x'.repeat(40_000)
    const campaign = await campaignWithTotals(s, '33', 1, () => long)
    for (const format of ['xlsx', 'csv'] as const) {
      const deps = reportsDeps(s, clock)
      const job = await templateJob(deps, {
        format,
        columns: [{ column: 'user_id' }],
        filters: [{ column: 'campaign_id', op: 'eq', value: Number(campaign) }],
      })
      await runReportJob(deps, job.id)
      const manifest = await manifestOf(job.id)
      expect(manifest.oversizedCells).toEqual([{ row: 1, column: 'user_id', length: 40_000 }])
      expect(manifest.oversizedCellCount).toBe(1)
      const bytes = await fileBytes(s, manifest.parts[0]?.fileStoreId ?? '')
      const cell = format === 'xlsx' ? (await xlsxValues(bytes))[1]?.[0] : csvRows(bytes)[1]?.[0]
      expect(String(cell).length).toBe(format === 'xlsx' ? 32_767 : 40_000)
    }
  })

  it('should remove outputs past their retention', async () => {
    const deps = reportsDeps(s, clock, { retentionDays: 1 })
    const job = await templateJob(deps, { columns: [{ column: 'user_id' }] })
    await runReportJob(deps, job.id)
    const [part] = (await manifestOf(job.id)).parts
    expect((await sweepReports(deps)).pruned).toBe(0)
    clock.advance(86_400_000 + 1)
    try {
      expect((await sweepReports(deps)).pruned).toBeGreaterThanOrEqual(1)
      expect((await jobNow(deps, job.id)).pruned_at).not.toBeNull()
      expect(
        await s.db
          .selectFrom('stored_file')
          .where('id', '=', part?.fileStoreId ?? '')
          .selectAll()
          .execute(),
      ).toEqual([])
    } finally {
      clock.advance(-(86_400_000 + 1))
    }
  })
})
