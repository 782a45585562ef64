import { DateTime } from 'luxon'
import { exception, type ColumnHandler } from '../column-handler.rules.js'

/** The input formats a handler takes (luxon tokens), `yyyy-MM-dd` when none are given. */
export const formatsOf = (options: Readonly<Record<string, unknown>>): string[] =>
  Array.isArray(options.formats)
    ? options.formats.filter((f): f is string => typeof f === 'string')
    : []

/**
 * A calendar date, `YYYY-MM-DD`: written so, or in one of the `formats` option (luxon tokens
 * such as `dd/MM/yyyy`), tried in order; anything else is an exception.
 */
export const dateHandler: ColumnHandler = {
  name: 'date',
  handle: ({ cell, options }) => {
    const text = cell.trim()
    for (const format of ['yyyy-MM-dd', ...formatsOf(options)]) {
      const date = DateTime.fromFormat(text, format, { zone: 'UTC' })
      if (date.isValid) return { value: date.toISODate() }
    }
    const wanted = ['yyyy-MM-dd', ...formatsOf(options)].join(', ')
    return exception('not_date', `"${text}" is not a date written ${wanted}`)
  },
}
