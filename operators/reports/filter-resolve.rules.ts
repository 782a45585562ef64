import { DateTime } from 'luxon'
import { isRelativeDate, resolveRelativeDate } from './relative-dates.rules.js'
import type { ColumnType, Operator } from './template.rules.js'

/** A filter as a query takes it: relative dates turned into dates or instants. */
export interface ConcreteFilter {
  column: string
  op: Operator | 'notBetween'
  value?: unknown
}

/**
 * A template's filters with their relative dates resolved in `zone` at `atMs` (a run's scheduled
 * instant). On a `date` column a relative value is a range of days: `eq` keeps the rows inside
 * it, `ne` those outside, `lt`/`gte` compare with its first day, `lte`/`gt` with its last, and a
 * `between` end takes the range's first (from) or last (to) day. On a `datetime` column the
 * range runs from the start of its first day to the start of the day after its last, in `zone`.
 */
export function resolveFilters(
  filters: readonly { column: string; op: string; value?: unknown }[],
  columns: Readonly<Record<string, ColumnType>>,
  zone: string,
  atMs: number,
): ConcreteFilter[] {
  const range = (value: unknown) =>
    isRelativeDate(value) ? resolveRelativeDate(value, zone, atMs) : undefined
  const start = (date: string) =>
    DateTime.fromISO(date, { zone }).startOf('day').toUTC().toISO() ?? date
  const after = (date: string) =>
    DateTime.fromISO(date, { zone }).plus({ days: 1 }).startOf('day').toUTC().toISO() ?? date
  return filters.flatMap((f): ConcreteFilter[] => {
    const op = f.op as Operator
    const type = columns[f.column]
    if (type === 'date') {
      if (op === 'between') {
        const [a, b] = f.value as [unknown, unknown]
        return [{ column: f.column, op, value: [range(a)?.from ?? a, range(b)?.to ?? b] }]
      }
      const r = range(f.value)
      if (r === undefined) return [{ column: f.column, op, value: f.value }]
      switch (op) {
        case 'eq':
          return [{ column: f.column, op: 'between', value: [r.from, r.to] }]
        case 'ne':
          return [{ column: f.column, op: 'notBetween', value: [r.from, r.to] }]
        case 'lt':
        case 'gte':
          return [{ column: f.column, op, value: r.from }]
        default:
          return [{ column: f.column, op, value: r.to }]
      }
    }
    if (type === 'datetime') {
      if (op === 'between') {
        const [a, b] = f.value as [unknown, unknown]
        const from = range(a)
        const to = range(b)
        return [
          { column: f.column, op: 'gte', value: from === undefined ? a : start(from.from) },
          to === undefined
            ? { column: f.column, op: 'lte', value: b }
            : { column: f.column, op: 'lt', value: after(to.to) },
        ]
      }
      const r = range(f.value)
      if (r === undefined) return [{ column: f.column, op, value: f.value }]
      switch (op) {
        case 'lt':
          return [{ column: f.column, op: 'lt', value: start(r.from) }]
        case 'lte':
          return [{ column: f.column, op: 'lt', value: after(r.to) }]
        case 'gt':
          return [{ column: f.column, op: 'gte', value: after(r.to) }]
        default:
          return [{ column: f.column, op: 'gte', value: start(r.from) }]
      }
    }
    return [{ column: f.column, op, value: f.value }]
  })
}
