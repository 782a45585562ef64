/** One data row of an upload: its 1-based number (header excluded) and cells by header name. */
export interface CsvRow {
  row: number
  cells: Record<string, string>
}

/** A row that became a record. */
export interface SplitRecord {
  row: number
  phone: string
  /** Only for campaigns without slots; null when absent. */
  scheduledTime: Date | null
  data: Record<string, string>
}

/** One problem with one cell. */
export interface RowError {
  row: number
  column: string
  code: 'missing' | 'invalid_phone' | 'invalid_time'
  message: string
}

/** A chunk of rows split into records and per-row errors. */
export interface Split {
  rows: number
  records: SplitRecord[]
  errors: RowError[]
  /** Rows with at least one error (they make no record). */
  invalid: number
}

const PHONE = /^\+?\d{7,15}$/

/** `+91 98765-43210` → `+919876543210`; undefined unless 7–15 digits with an optional `+`. */
export function normalizePhone(raw: string): string | undefined {
  const phone = raw.replace(/[\s-]/g, '')
  return PHONE.test(phone) ? phone : undefined
}

/**
 * Splits rows into records and errors: `phone` is required and normalised; `scheduled_time`
 * (ISO 8601) is read only when `useScheduledTime`; every other column is kept as data.
 */
export function uploadSplit(options: { useScheduledTime: boolean }): (rows: CsvRow[]) => Split {
  return (rows) => {
    const out: Split = { rows: rows.length, records: [], errors: [], invalid: 0 }
    for (const { row, cells } of rows) {
      const { phone: rawPhone = '', scheduled_time: rawTime = '', ...data } = cells
      const errors: RowError[] = []
      const phone = normalizePhone(rawPhone)
      if (rawPhone.trim() === '')
        errors.push({ row, column: 'phone', code: 'missing', message: 'phone is empty' })
      else if (phone === undefined) {
        errors.push({
          row,
          column: 'phone',
          code: 'invalid_phone',
          message: `"${rawPhone}" is not 7 to 15 digits with an optional +`,
        })
      }
      let scheduledTime: Date | null = null
      if (options.useScheduledTime && rawTime.trim() !== '') {
        const ms = Date.parse(rawTime.trim())
        if (Number.isNaN(ms) || !/T.*(Z|[+-]\d\d:?\d\d)$/.test(rawTime.trim())) {
          errors.push({
            row,
            column: 'scheduled_time',
            code: 'invalid_time',
            message: `"${rawTime}" is not an ISO 8601 time with a zone`,
          })
        } else scheduledTime = new Date(ms)
      }
      if (errors.length > 0 || phone === undefined) {
        out.errors.push(...errors)
        out.invalid++
        continue
      }
      out.records.push({ row, phone, scheduledTime, data })
    }
    return out
  }
}
