import { describe, expect, it } from 'vitest'
import { resolveFilters } from '../../../operators/reports/filter-resolve.rules.js'

const columns = { day: 'date', at: 'datetime', n: 'integer' } as const
// 2026-03-01 01:30 in Kolkata (UTC+05:30).
const now = Date.parse('2026-02-28T20:00:00Z')
const resolve = (filters: { column: string; op: string; value?: unknown }[]) =>
  resolveFilters(filters, columns, 'Asia/Kolkata', now)

describe('resolveFilters', () => {
  it('should turn relative dates of a date column into days', () => {
    expect(
      resolve([
        { column: 'day', op: 'eq', value: 'last_month' },
        { column: 'day', op: 'ne', value: 'today' },
        { column: 'day', op: 'lt', value: 'last_7_days' },
        { column: 'day', op: 'lte', value: 'yesterday' },
        { column: 'day', op: 'between', value: ['2026-01-01', 'yesterday'] },
        { column: 'n', op: 'gt', value: 3 },
      ]),
    ).toEqual([
      { column: 'day', op: 'between', value: ['2026-02-01', '2026-02-28'] },
      { column: 'day', op: 'notBetween', value: ['2026-03-01', '2026-03-01'] },
      { column: 'day', op: 'lt', value: '2026-02-22' },
      { column: 'day', op: 'lte', value: '2026-02-28' },
      { column: 'day', op: 'between', value: ['2026-01-01', '2026-02-28'] },
      { column: 'n', op: 'gt', value: 3 },
    ])
  })

  it("should turn relative dates of a datetime column into instants of the zone's days", () => {
    expect(
      resolve([
        { column: 'at', op: 'gte', value: 'yesterday' },
        { column: 'at', op: 'lte', value: 'yesterday' },
        { column: 'at', op: 'between', value: ['last_month', 'last_month'] },
        { column: 'at', op: 'lt', value: '2026-02-01T00:00:00Z' },
      ]),
    ).toEqual([
      { column: 'at', op: 'gte', value: '2026-02-27T18:30:00.000Z' },
      { column: 'at', op: 'lt', value: '2026-02-28T18:30:00.000Z' },
      { column: 'at', op: 'gte', value: '2026-01-31T18:30:00.000Z' },
      { column: 'at', op: 'lt', value: '2026-02-28T18:30:00.000Z' },
      { column: 'at', op: 'lt', value: '2026-02-01T00:00:00Z' },
    ])
  })
})
