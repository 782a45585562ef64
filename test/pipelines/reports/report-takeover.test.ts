import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queueExports } from '../../../pipelines/reports/jobs.js'
import { manualClock } from '../../../pipelines/runtime/clock.js'
import { campaignWithTotals, jobNow, reportsDeps, templateJob } from '../../support/reports.js'
import { eventually, isolatedServices, type TestServices } from '../../support/services.js'
import { kill, killAll, workerChild } from '../../support/worker-child.js'

let s: TestServices
const ROWS = 60_000

beforeAll(async () => {
  s = await isolatedServices()
  await campaignWithTotals(s, '41', ROWS)
})
afterAll(async () => {
  await killAll()
  await s.close()
})

describe('a report export worker killed mid-job', () => {
  it('should have its job taken over and finished with the exact row count', async () => {
    const deps = reportsDeps(s, manualClock(Date.now()))
    const job = await templateJob(deps, { format: 'xlsx' })
    const env = {
      TEST_REPORT_STALL_SECONDS: '2',
      TEST_REPORT_FETCH_ROWS: '200',
      TEST_REPORT_ROWS_PER_PART: '25000',
    }
    const first = await workerChild(s, ['report-export'], env)
    await queueExports(s.redis, s.keys, [job.id])
    await eventually(async () => Number((await jobNow(deps, job.id)).rows_written) > 0, 30_000)
    await kill(first)
    const killed = await jobNow(deps, job.id)
    expect(killed).toMatchObject({ status: 'running', attempts: 1 })
    expect(Number(killed.rows_written)).toBeLessThan(ROWS)

    await workerChild(s, ['report-export'], env)
    const done = await eventually(async () => {
      const now = await jobNow(deps, job.id)
      return now.status === 'succeeded' || now.status === 'failed' ? now : undefined
    }, 60_000)
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, error: null })
    const manifest = done.job_output
    expect(manifest?.total).toBe(ROWS)
    expect(manifest?.parts.map((p) => p.rows)).toEqual([25_000, 25_000, 10_000])
    expect(manifest?.parts.reduce((sum, p) => sum + p.rows, 0)).toBe(ROWS)
    // The killed attempt's parts were never recorded: only the finished attempt's files are kept.
    const kept = await s.db.selectFrom('stored_file').select('id').execute()
    expect(kept.map((f) => f.id).sort()).toEqual(manifest?.parts.map((p) => p.fileStoreId).sort())
  }, 120_000)
})
