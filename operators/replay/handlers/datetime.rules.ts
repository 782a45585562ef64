import { DateTime } from 'luxon'
import { exception, type ColumnHandler } from '../column-handler.rules.js'
import { formatsOf } from './date.rules.js'

/** ISO 8601 date and time to the second or beyond, with an optional `Z` or `±hh:mm`. */
const ISO = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/

/** Offsets (minutes) of a zone by local hour, as luxon computes them; bounded. */
const OFFSETS = new Map<string, number>()
const MAX_OFFSETS = 10_000

/**
 * The instant of ISO 8601 wall-clock text without an offset in a named `zone`, through the zone's
 * offset at that local hour (computed once per zone and hour by luxon, then remembered: luxon's
 * zone arithmetic dominated a replay's dry run). Undefined for a time the zone skips or a date
 * the month does not have: those take luxon's own path.
 */
function zonedInstant(match: RegExpExecArray, text: string, zone: string): number | undefined {
  const [date, time] = text.split('T') as [string, string]
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number]
  const [h, mi, sec = '0'] = time.split(':') as [string, string, string?]
  const seconds = Number(sec)
  const local = Date.UTC(
    y,
    mo - 1,
    d,
    Number(h),
    Number(mi),
    Math.floor(seconds),
    Math.round((seconds % 1) * 1000),
  )
  if (!Number.isFinite(local) || new Date(local).toISOString().slice(0, 10) !== match[1])
    return undefined
  const key = `${zone}|${Math.floor(local / 3_600_000)}`
  let offset = OFFSETS.get(key)
  if (offset === undefined) {
    const at = DateTime.fromObject({ year: y, month: mo, day: d, hour: Number(h) }, { zone })
    if (!at.isValid || at.hour !== Number(h)) return undefined // skipped by a DST change
    if (OFFSETS.size >= MAX_OFFSETS) OFFSETS.clear()
    OFFSETS.set(key, (offset = at.offset))
  }
  return local - offset * 60_000
}

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
    } else if (fast !== null && fast[2] === undefined) {
      const ms = zonedInstant(fast, text, zone)
      if (ms !== undefined) return { value: new Date(ms).toISOString() }
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
