import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { splitUpload } from '../../../pipelines/outreach/upload-split.actor.js'
import { ANALYZE_AFTER_ROWS } from '../../../storage/postgres/database.js'
import { scoringDeps } from '../../support/scoring.js'
import { eventually } from '../../support/services.js'
import {
  useOperationsServices,
  s,
  clock,
  kolkata,
  newCampaign,
  unqueued,
} from '../../support/outreach-operations.js'

useOperationsServices()

describe('the planner after a big upload', () => {
  it('should analyze the records and tasks of an upload, or a day’s tasks, of 10,000 rows or more, not of fewer', async () => {
    clock.set(kolkata('2026-11-22', '09:30'))
    const analyzed = async () =>
      (
        await sql<{ relname: string; analyzed: boolean }>`
          SELECT relname, last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables
          WHERE schemaname = ${s.schema} AND relname IN ('outreach_record', 'flow_task')
          ORDER BY relname`.execute(s.db)
      ).rows
    // Split here: the test app takes files of 64 KiB at most.
    const upload = async (rows: number, from: number) => {
      const id = await newCampaign()
      const phones = Array.from({ length: rows }, (_, i) => String(from + i))
      await splitUpload(scoringDeps(s, clock), await unqueued(id, phones))
      return id
    }
    await upload(ANALYZE_AFTER_ROWS - 1, 7_100_000)
    expect(await analyzed()).toEqual([
      { relname: 'flow_task', analyzed: false },
      { relname: 'outreach_record', analyzed: false },
    ])
    const big = await upload(ANALYZE_AFTER_ROWS, 7_200_000)
    expect(await analyzed()).toEqual([
      { relname: 'flow_task', analyzed: true },
      { relname: 'outreach_record', analyzed: true },
    ])

    // The next day's 10,000 tasks, made at 00:00, are analyzed too. (Last in this file: the
    // clock moves to the next day for every campaign here.)
    const analyses = async () =>
      Number(
        (
          await sql<{ n: string }>`
            SELECT analyze_count AS n FROM pg_stat_user_tables
            WHERE schemaname = ${s.schema} AND relname = 'flow_task'`.execute(s.db)
        ).rows[0]?.n,
      )
    const before = await analyses()
    clock.set(kolkata('2026-11-23', '00:00'))
    await eventually(
      async () =>
        Number(
          (
            await s.db
              .selectFrom('flow_task')
              .select((eb) => eb.fn.countAll<string>().as('n'))
              .where('campaign_id', '=', big)
              .where('task_date', '=', '2026-11-23')
              .executeTakeFirstOrThrow()
          ).n,
        ) === ANALYZE_AFTER_ROWS,
    )
    await eventually(async () => (await analyses()) > before)
  })
})
