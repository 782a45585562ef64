import { escapeFormula } from '../../operators/reports/formula-escape.rules.js'
import { EXCEL_MAX_CELL_CHARS } from '../../operators/reports/report-parts.rules.js'
import type { ColumnType } from '../../operators/reports/template.rules.js'
import { formatValue } from '../../operators/reports/value-format.rules.js'
import type { SheetCell } from '../files/sheet-write.js'

/** A column's value as a cell of the report's format; `over` hears of text too long for a cell. */
export type CellOf = (raw: unknown, over: (length: number) => void) => SheetCell

/** The number format of an XLSX column of `type` (money with the base currency's digits). */
export function numberFormat(type: ColumnType, moneyDigits: number): string | undefined {
  switch (type) {
    case 'date':
      return 'yyyy-mm-dd'
    case 'datetime':
      return 'yyyy-mm-dd hh:mm:ss'
    case 'money':
      return moneyDigits === 0 ? '0' : `0.${'0'.repeat(moneyDigits)}`
    case 'integer':
      return '0'
    default:
      return undefined
  }
}

/**
 * How a value of a column of `type` is written. CSV: the value as a report shows it
 * (`formatValue`), text escaped against formula injection. XLSX: typed cells, numbers as numbers,
 * dates and instants as dates (in UTC), booleans as booleans, text cut at Excel's 32,767
 * characters. Text longer than that is told to `over` in both formats (a CSV keeps it whole, but
 * Excel cuts it when it opens the file).
 */
export function cellWriter(type: ColumnType, format: 'csv' | 'xlsx'): CellOf {
  const text = (value: string, over: (length: number) => void) => {
    if (value.length > EXCEL_MAX_CELL_CHARS) {
      over(value.length)
      if (format === 'xlsx') return value.slice(0, EXCEL_MAX_CELL_CHARS)
    }
    return format === 'csv' ? escapeFormula(value) : value
  }
  if (format === 'csv' || type === 'string' || type === 'boolean' || type === 'integer')
    return (raw, over) => {
      const value = formatValue(type, raw)
      return typeof value === 'string' && type === 'string' ? text(value, over) : value
    }
  switch (type) {
    case 'decimal':
    case 'money':
      return (raw) => (raw === null || raw === undefined ? null : Number(raw))
    case 'date':
      // Postgres gives dates as `YYYY-MM-DD` text: a date cell at UTC midnight.
      return (raw) =>
        raw instanceof Date ? raw : typeof raw === 'string' ? new Date(`${raw}T00:00:00Z`) : null
    case 'datetime':
      return (raw) => (raw instanceof Date ? raw : typeof raw === 'string' ? new Date(raw) : null)
  }
}
