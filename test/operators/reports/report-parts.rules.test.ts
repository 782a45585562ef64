import { describe, expect, it } from 'vitest'
import {
  EXCEL_MAX_DATA_ROWS,
  fileSlug,
  partName,
  planParts,
} from '../../../operators/reports/report-parts.rules.js'

describe('planParts', () => {
  it('should split rows into full parts and a last one, numbered over the whole report', () => {
    expect(planParts(7, 3)).toEqual([
      { part: 1, firstRow: 1, lastRow: 3, rows: 3 },
      { part: 2, firstRow: 4, lastRow: 6, rows: 3 },
      { part: 3, firstRow: 7, lastRow: 7, rows: 1 },
    ])
    expect(planParts(6, 3).map((p) => p.rows)).toEqual([3, 3])
  })

  it('should never put more than an Excel sheet holds in a part', () => {
    const parts = planParts(1_100_000, 5_000_000)
    expect(parts.map((p) => p.rows)).toEqual([EXCEL_MAX_DATA_ROWS, 1_100_000 - EXCEL_MAX_DATA_ROWS])
    expect(parts[1]?.firstRow).toBe(EXCEL_MAX_DATA_ROWS + 1)
  })

  it('should make an empty report one part with no rows', () => {
    expect(planParts(0, 10)).toEqual([{ part: 1, firstRow: 1, lastRow: 0, rows: 0 }])
  })
})

describe('partName', () => {
  it('should number parts as part-001-of-003', () => {
    expect(partName('Daily calls', '2026-12-03', 2, 3, 'xlsx')).toBe(
      'Daily-calls-2026-12-03-part-002-of-003.xlsx',
    )
    expect(partName('x', '2026-12-03', 7, 1200, 'csv')).toBe('x-2026-12-03-part-0007-of-1200.csv')
  })

  it('should name a report of one part without a part number', () => {
    expect(partName('Daily calls', '2026-12-03', 1, 1, 'csv')).toBe('Daily-calls-2026-12-03.csv')
  })
})

describe('fileSlug', () => {
  it('should keep a file name safe', () => {
    expect(fileSlug('Ventes / été: "Q4"')).toBe('Ventes-ete-Q4')
    expect(fileSlug('../../etc/passwd')).toBe('etc-passwd')
    expect(fileSlug('///')).toBe('report')
  })
})
