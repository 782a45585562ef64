import { DateTime } from 'luxon'
import { exception, type ColumnHandler } from '../column-handler.rules.js'
import { formatsOf } from './date.rules.js'

/** ISO 8601 date and time to the second or beyond, with an optional `Z` or `±hh:mm`. */
const ISO = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/

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
    // ISO 8601 in UTC (`Z`, or no offset in a UTC client): the platform's parser, many times
    // luxon's speed; a date it rolls over (02-30) is left to luxon, which refuses it.
    const fast = ISO.exec(text)
    if (fast !== null && (fast[2] === 'Z' || (fast[2] === undefined && zone === 'UTC'))) {
      const ms = Date.parse(fast[2] === undefined ? `${text}Z` : text)
      if (Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === fast[1])
        return { value: new Date(ms).toISOString() }
    }
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
