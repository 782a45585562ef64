import { DateTime } from 'luxon'
import { exception, type ColumnHandler } from '../column-handler.rules.js'
import { formatsOf } from './date.rules.js'

/** ISO 8601 date and time to the minute or beyond, with an optional `Z` or `±hh:mm`. */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:(Z)|([+-])(\d{2}):(\d{2}))?$/

/** Days in a month (1–12) of a year. */
const daysIn = (year: number, month: number) =>
  month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : month === 4 || month === 6 || month === 9 || month === 11
      ? 30
      : 31

/** Offsets (minutes) of a zone by local hour, as luxon computes them (NaN: skipped); bounded. */
const OFFSETS = new Map<string, number>()
const MAX_OFFSETS = 10_000

/** The offset of `zone` at a local hour, computed once per zone and hour by luxon. */
function zoneOffset(zone: string, hourText: string, y: number, mo: number, d: number, h: number) {
  const key = `${zone}|${hourText}`
  let offset = OFFSETS.get(key)
  if (offset === undefined) {
    const at = DateTime.fromObject({ year: y, month: mo, day: d, hour: h }, { zone })
    const end = DateTime.fromObject({ year: y, month: mo, day: d, hour: h, minute: 59 }, { zone })
    // NaN: an hour that a change of offset skips or splits (luxon's own path reads those)
    const steady =
      at.isValid &&
      at.hour === h &&
      at.minute === 0 &&
      end.hour === h &&
      end.minute === 59 &&
      end.offset === at.offset
    offset = steady ? at.offset : Number.NaN
    if (OFFSETS.size >= MAX_OFFSETS) OFFSETS.clear()
    OFFSETS.set(key, offset)
  }
  return offset
}

/**
 * The instant of ISO 8601 text: at its own offset, or (without one) at the offset of the named
 * `zone` at that local hour. Luxon's zone arithmetic dominated a replay's dry run, so the text
 * is read here and luxon asked once per zone and hour. Undefined for what takes luxon's own
 * path: an hour in which the zone's offset changes, a day the month does not have, hour 24, a
 * year before 100.
 */
function isoInstant(text: string, zone: string): number | undefined {
  const m = ISO.exec(text)
  if (m === null) return undefined
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  const h = Number(m[4])
  const mi = Number(m[5])
  const s = m[6] === undefined ? 0 : Number(m[6])
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59)
    return undefined
  let offset: number
  if (m[8] !== undefined) offset = 0
  else if (m[9] !== undefined) {
    if (Number(m[10]) > 23 || Number(m[11]) > 59) return undefined
    const minutes = Number(m[10]) * 60 + Number(m[11])
    offset = m[9] === '-' ? -minutes : minutes
  } else if (zone === 'UTC') offset = 0
  else offset = zoneOffset(zone, text.slice(0, 13), y, mo, d, h)
  if (Number.isNaN(offset)) return undefined
  const millis = m[7] === undefined ? 0 : Math.round(Number(m[7]) * 1000)
  return Date.UTC(y, mo - 1, d, h, mi, s, millis) - offset * 60_000
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
    const fast = isoInstant(text, zone)
    if (fast !== undefined) return { value: new Date(fast).toISOString() }
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
