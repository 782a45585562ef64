import { DateTime } from 'luxon'
import { exception, type ColumnHandler } from '../column-handler.rules.js'
import { formatsOf } from './date.rules.js'

const zoneOf = (options: Readonly<Record<string, unknown>>) =>
  typeof options.zone === 'string' ? options.zone : 'UTC'

/**
 * An instant, ISO 8601 in UTC (`2026-12-03T10:00:00.000Z`): written in ISO 8601, or in one of
 * the `formats` option; a time without an offset is read in the `zone` option (default UTC).
 */
export const datetimeHandler: ColumnHandler = {
  name: 'datetime',
  optionsProblem: (options) =>
    DateTime.local().setZone(zoneOf(options)).isValid
      ? undefined
      : 'zone must be an IANA time zone such as Europe/London',
  handle: ({ cell, options }) => {
    const text = cell.trim()
    const zone = zoneOf(options)
    const candidates = [
      DateTime.fromISO(text, { zone }),
      ...formatsOf(options).map((format) => DateTime.fromFormat(text, format, { zone })),
    ]
    const instant = candidates.find((c) => c.isValid)
    if (instant === undefined)
      return exception('not_datetime', `"${text}" is not a date and time this client reads`)
    return { value: instant.toUTC().toISO() }
  },
}
