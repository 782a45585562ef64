import { escapeFormula } from '../../operators/reports/formula-escape.rules.js'
import { EXCEL_MAX_CELL_CHARS } from '../../operators/reports/report-parts.rules.js'
import type { ColumnType } from '../../operators/reports/template.rules.js'
import { formatValue } from '../../operators/reports/value-format.rules.js'
import type { SheetCell } from '../files/sheet-write.js'

/** A column's value as a cell of the report's format. */
export type CellOf = (raw: unknown) => SheetCell

/**
 * The number format of an XLSX column of `type`: dates and instants as such, money with the base
 * currency's digits; others General (each styled cell costs exceljs a style lookup).
 */
export function numberFormat(type: ColumnType, moneyDigits: number): string | undefined {
  switch (type) {
    case 'date':
      return 'yyyy-mm-dd'
    case 'datetime':
      return 'yyyy-mm-dd hh:mm:ss'
    case 'money':
      return moneyDigits === 0 ? '0' : `0.${'0'.repeat(moneyDigits)}`
    default:
      return undefined
  }
}

/**
 * How a value of a column of `type` is written. CSV: the value as a report shows it
 * (`formatValue`), text escaped against formula injection. XLSX: typed cells, numbers as numbers,
 * dates and instants as dates (in UTC), booleans as booleans, text cut at Excel's 32,767
 * characters. Text longer than that is told to `over` in both formats (a CSV keeps it whole, but
 * Excel cuts it when it opens the file). It makes no closure per cell: it runs for every one.
 */
export function cellWriter(
  type: ColumnType,
  format: 'csv' | 'xlsx',
  over: (length: number) => void,
): CellOf {
  const text = (value: string) => {
    if (value.length > EXCEL_MAX_CELL_CHARS) {
      over(value.length)
      if (format === 'xlsx') return value.slice(0, EXCEL_MAX_CELL_CHARS)
    }
    return format === 'csv' ? escapeFormula(value) : value
  }
  if (format === 'csv' || type === 'string' || type === 'boolean' || type === 'integer')
    return (raw) => {
      const value = formatValue(type, raw)
      return typeof value === 'string' && type === 'string' ? text(value) : value
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
