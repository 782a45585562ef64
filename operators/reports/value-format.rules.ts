import type { ColumnType } from './template.rules.js'

/** A cell of a report: text, a number, true or false, or empty. */
export type ReportValue = string | number | boolean | null

/** A value shown as text as Postgres gave it (numeric and date columns come as text). */
function asText(raw: unknown): string {
  if (typeof raw === 'string') return raw
  if (typeof raw === 'number' || typeof raw === 'bigint' || typeof raw === 'boolean')
    return String(raw)
  return JSON.stringify(raw)
}

/**
 * A value as Postgres gave it, as a report shows it by its column's type: integers as numbers
 * (bigints come as text), decimals and money as their exact decimal text, dates as `YYYY-MM-DD`,
 * instants as ISO 8601 in UTC. (Called for every cell of an export: it makes no closures.)
 */
export function formatValue(type: ColumnType, raw: unknown): ReportValue {
  if (raw === null || raw === undefined) return null
  switch (type) {
    case 'integer':
      return typeof raw === 'number' ? raw : Number(raw)
    case 'decimal':
    case 'money':
    case 'date':
    case 'string':
      return asText(raw)
    case 'datetime':
      return raw instanceof Date ? raw.toISOString() : asText(raw)
    case 'boolean':
      return raw === true || raw === 't' || raw === 'true'
  }
}
