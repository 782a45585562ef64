import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CsvRow } from '../../../operators/csv-row.rules.js'
import { storeOrSplit } from '../../../pipelines/files/file-chunks.js'
import { isolatedServices, type TestServices } from '../../support/services.js'

let s: TestServices
beforeAll(async () => {
  s = await isolatedServices()
  // A table that refuses some values, as a job's table refuses what it cannot hold.
  await sql`CREATE TABLE chunk_target (row int PRIMARY KEY, v text CHECK (v <> 'refused'))`.execute(
    s.db,
  )
})
afterAll(() => s.close())

const row = (n: number, v: string): CsvRow => ({ row: n, line: n + 1, cells: { v } })

describe('storeOrSplit', () => {
  it('should store every row but those storage refuses, which come back as row problems', async () => {
    const problems: CsvRow[] = []
    let statements = 0
    const store = async (rows: CsvRow[]) => {
      statements++
      const good = rows.filter((r) => r.problem === undefined)
      problems.push(...rows.filter((r) => r.problem !== undefined))
      if (good.length === 0) return
      await sql`INSERT INTO chunk_target (row, v)
        SELECT * FROM unnest(${good.map((r) => r.row)}::int[], ${good.map((r) => r.cells.v)}::text[])`.execute(
        s.db,
      )
    }
    const rows = Array.from({ length: 64 }, (_, i) =>
      row(i + 1, i === 9 || i === 40 ? 'refused' : `v${i}`),
    )
    await storeOrSplit(rows, store)
    const stored = await sql<{ n: string }>`SELECT count(*) AS n FROM chunk_target`.execute(s.db)
    expect(Number(stored.rows[0]?.n)).toBe(62)
    expect(problems.map((p) => [p.row, p.line, p.problem?.code])).toEqual([
      [10, 11, 'refused_by_storage'],
      [41, 42, 'refused_by_storage'],
    ])
    expect(problems[0]?.problem?.message).toMatch(/^storage refused the row: .*check constraint/)
    // Halving finds two bad rows of 64 in a few statements, not one per row.
    expect(statements).toBeLessThan(30)
  })

  it('should pass on any other failure unchanged', async () => {
    const outage = Object.assign(new Error('Connection terminated'), { code: undefined })
    await expect(storeOrSplit([row(1, 'a')], () => Promise.reject(outage))).rejects.toBe(outage)
  })
})
