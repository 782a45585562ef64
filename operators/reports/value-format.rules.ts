import type { ColumnType } from './template.rules.js'

/** A cell of a report: text, a number, true or false, or empty. */
export type ReportValue = string | number | boolean | null

/**
 * A value as Postgres gave it, as a report shows it by its column's type: integers as numbers
 * (bigints come as text), decimals and money as their exact decimal text, dates as `YYYY-MM-DD`,
 * instants as ISO 8601 in UTC.
 */
export function formatValue(type: ColumnType, raw: unknown): ReportValue {
  if (raw === null || raw === undefined) return null
  const text = () =>
    typeof raw === 'string'
      ? raw
      : typeof raw === 'number' || typeof raw === 'bigint' || typeof raw === 'boolean'
        ? String(raw)
        : JSON.stringify(raw)
  switch (type) {
    case 'integer':
      return typeof raw === 'number' ? raw : Number(raw)
    case 'decimal':
    case 'money':
    case 'date':
    case 'string':
      return text()
    case 'datetime':
      return raw instanceof Date ? raw.toISOString() : text()
    case 'boolean':
      return raw === true || raw === 't' || raw === 'true'
  }
}
