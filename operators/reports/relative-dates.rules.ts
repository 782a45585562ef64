import { DateTime } from 'luxon'

/** Values a date filter may name instead of a date. */
export const RELATIVE_DATES = [
  'today',
  'yesterday',
  'last_7_days',
  'this_month',
  'last_month',
] as const
export type RelativeDate = (typeof RELATIVE_DATES)[number]

/** A range of local dates, `from` and `to` both included (`YYYY-MM-DD`). */
export interface DateRange {
  from: string
  to: string
}

/**
 * The local dates a relative date stands for at `atMs` (a run's scheduled instant) in `zone`:
 * `today` and `yesterday` one day each; `last_7_days` the seven days ending yesterday;
 * `this_month` from its first day to today; `last_month` the whole month before.
 */
export function resolveRelativeDate(value: RelativeDate, zone: string, atMs: number): DateRange {
  const today = DateTime.fromMillis(atMs, { zone }).startOf('day')
  const day = (d: DateTime) => d.toISODate() ?? ''
  switch (value) {
    case 'today':
      return { from: day(today), to: day(today) }
    case 'yesterday':
      return { from: day(today.minus({ days: 1 })), to: day(today.minus({ days: 1 })) }
    case 'last_7_days':
      return { from: day(today.minus({ days: 7 })), to: day(today.minus({ days: 1 })) }
    case 'this_month':
      return { from: day(today.startOf('month')), to: day(today) }
    case 'last_month': {
      const month = today.minus({ months: 1 })
      return { from: day(month.startOf('month')), to: day(month.endOf('month')) }
    }
  }
}

/** Whether `value` names a relative date. */
export const isRelativeDate = (value: unknown): value is RelativeDate =>
  (RELATIVE_DATES as readonly unknown[]).includes(value)
