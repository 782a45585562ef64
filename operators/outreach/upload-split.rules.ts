import { DateTime } from 'luxon'
import type { CsvRow, RowProblem } from '../csv-row.rules.js'
import { normalizePhone, phoneExpectation, type PhoneRegion } from '../phone.rules.js'

/** A row that became a record. */
export interface SplitRecord {
  row: number
  /** The file's line the row starts on. */
  line: number
  phone: string
  /** Only for campaigns without slots; null when absent. */
  scheduledTime: Date | null
  data: Record<string, string>
}

/** One problem with one cell. */
export interface RowError {
  row: number
  /** The file's line the row starts on. */
  line: number
  column: string
  code: 'missing' | 'invalid_phone' | 'invalid_time' | 'after_campaign_end' | RowProblem['code']
  message: string
  /** The row's phone, normalised, when it was valid (the row was refused for another cell). */
  phone?: string
}

/** A chunk of rows split into records and per-row errors. */
export interface Split {
  rows: number
  records: SplitRecord[]
  errors: RowError[]
  /** Rows with at least one error (they make no record). */
  invalid: number
}

/** How `scheduled_time` is read: only for campaigns without slots. */
export interface ScheduledTimeRule {
  /** The campaign's zone, for times written without an offset. */
  zone: string
  /** The campaign's end: a task due then or later could never be called. */
  endMs: number
}

/**
 * A date and time, ISO 8601 (`2026-11-22T10:00:00+05:30`) or SQL-like (`2026-11-22 10:00`),
 * with an offset or else in `zone`. Undefined when it is not one, or lacks the date or the time.
 */
export function parseScheduledTime(raw: string, zone: string): number | undefined {
  if (!/^\d{4}-\d\d-\d\d[T ]\d\d?:\d\d/.test(raw)) return undefined
  const iso = DateTime.fromISO(raw, { zone })
  const time = iso.isValid ? iso : DateTime.fromSQL(raw, { zone })
  return time.isValid ? time.toMillis() : undefined
}

/**
 * Splits rows into records and errors: `phone` is required and normalised (in E.164 with
 * `phoneRegion`, see {@link normalizePhone}); `scheduled_time` is read only when `scheduledTime`
 * says how; every other column is kept as data.
 */
export function uploadSplit(options: {
  scheduledTime?: ScheduledTimeRule
  phoneRegion?: PhoneRegion | undefined
}): (rows: CsvRow[]) => Split {
  const rule = options.scheduledTime
  const region = options.phoneRegion
  const expected = phoneExpectation(region)
  return (rows) => {
    const out: Split = { rows: rows.length, records: [], errors: [], invalid: 0 }
    for (const { row, line, cells, problem } of rows) {
      if (problem !== undefined) {
        out.errors.push({ row, line, ...problem })
        out.invalid++
        continue
      }
      const { phone: rawPhone = '', scheduled_time: rawTime = '', ...data } = cells
      const errors: RowError[] = []
      const phone = normalizePhone(rawPhone, region)
      if (rawPhone.trim() === '')
        errors.push({ row, line, column: 'phone', code: 'missing', message: 'phone is empty' })
      else if (phone === undefined) {
        errors.push({
          row,
          line,
          column: 'phone',
          code: 'invalid_phone',
          message: `"${rawPhone}" is not ${expected}`,
        })
      }
      let scheduledTime: Date | null = null
      if (rule !== undefined && rawTime.trim() !== '') {
        const ms = parseScheduledTime(rawTime.trim(), rule.zone)
        if (ms === undefined) {
          errors.push({
            row,
            line,
            column: 'scheduled_time',
            code: 'invalid_time',
            message: `"${rawTime}" is not a date and time such as 2026-11-22T10:00:00+05:30 or 2026-11-22 10:00 (in the campaign's zone)`,
          })
        } else if (ms >= rule.endMs) {
          errors.push({
            row,
            line,
            column: 'scheduled_time',
            code: 'after_campaign_end',
            message: `"${rawTime}" is at or after the campaign's end (${new Date(rule.endMs).toISOString()})`,
          })
        } else scheduledTime = new Date(ms)
      }
      if (errors.length > 0 || phone === undefined) {
        out.errors.push(...(phone === undefined ? errors : errors.map((e) => ({ ...e, phone }))))
        out.invalid++
        continue
      }
      out.records.push({ row, line, phone, scheduledTime, data })
    }
    return out
  }
}
