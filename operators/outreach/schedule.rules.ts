import { DateTime, IANAZone } from 'luxon'
import { z } from 'zod'

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:mm')

/** A time window within a day, `HH:mm` to `HH:mm` in the campaign's zone. */
export const DayWindow = z.object({ start: HHMM, end: HHMM })
export type DayWindow = z.infer<typeof DayWindow>

/** The schedule part of an outreach campaign. */
export interface OutreachSchedule {
  timezone: string
  workingHours: DayWindow
  slots: DayWindow[]
  startDate: string
  days: number
}

/** Minutes since midnight; NaN for a malformed time, so no rule compares it (it has its own error). */
const minutes = (hhmm: string) =>
  HHMM.safeParse(hhmm).success ? Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5)) : NaN

/** True for an IANA zone name luxon knows. */
export const isZone = (zone: string) => IANAZone.isValidZone(zone)

/** Past this many slots, a schedule's slots are not compared with each other. */
const MAX_COMPARED_SLOTS = 48

/** Problems with a schedule, by field path; empty when it is sound. */
export function scheduleProblems(
  s: OutreachSchedule,
  maxSlots: number,
): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = []
  if (minutes(s.workingHours.start) >= minutes(s.workingHours.end)) {
    problems.push({ path: ['workingHours', 'end'], message: 'must be after workingHours.start' })
  }
  if (s.slots.length > maxSlots) {
    problems.push({ path: ['slots'], message: `at most ${maxSlots} slots a day` })
    // Slots are compared pairwise: past any day's worth, that is the one problem told.
    if (s.slots.length > MAX_COMPARED_SLOTS) return problems
  }
  s.slots.forEach((slot, i) => {
    if (minutes(slot.start) >= minutes(slot.end))
      problems.push({ path: ['slots', i, 'end'], message: 'must be after start' })
    if (
      minutes(slot.start) < minutes(s.workingHours.start) ||
      minutes(slot.end) > minutes(s.workingHours.end)
    ) {
      problems.push({ path: ['slots', i], message: 'must lie inside working hours' })
    }
    s.slots.slice(0, i).forEach((other, j) => {
      if (minutes(slot.start) < minutes(other.end) && minutes(other.start) < minutes(slot.end)) {
        problems.push({ path: ['slots', i], message: `overlaps slot ${j + 1}` })
      }
    })
  })
  return problems
}

// Building a zoned DateTime costs tens of microseconds, and the executor asks for the same few
// slot boundaries for every task of a batch: remember them (bounded; the answer never changes).
const instants = new Map<string, number>()
const MAX_INSTANTS = 10_000

/** The instant `hhmm` on `date` in `zone` (luxon moves a time inside a DST gap forward). */
export function at(date: string, hhmm: string, zone: string): number {
  const key = `${zone} ${date}T${hhmm}`
  let ms = instants.get(key)
  if (ms === undefined) {
    ms = DateTime.fromISO(`${date}T${hhmm}`, { zone }).toMillis()
    if (instants.size >= MAX_INSTANTS) instants.clear()
    instants.set(key, ms)
  }
  return ms
}

/** Midnight starting `date` in the schedule's zone. */
export function dayStart(s: OutreachSchedule, date: string): number {
  return DateTime.fromISO(date, { zone: s.timezone }).startOf('day').toMillis()
}

/** The calendar day of an instant in the schedule's zone, `YYYY-MM-DD`. */
export function dayOf(s: OutreachSchedule, ms: number): string {
  return DateTime.fromMillis(ms, { zone: s.timezone }).toISODate() ?? ''
}

/** Every day of the campaign, in order. */
export function campaignDays(s: OutreachSchedule): string[] {
  const first = DateTime.fromISO(s.startDate, { zone: s.timezone })
  return Array.from({ length: s.days }, (_, i) => first.plus({ days: i }).toISODate() ?? '')
}

/** The day after `date`. */
export function nextDay(date: string): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days: 1 }).toISODate() ?? ''
}

/** When slot `n` (1-based) runs on `date`, `[startMs, endMs)`. */
export function slotWindow(
  s: OutreachSchedule,
  date: string,
  n: number,
): { startMs: number; endMs: number } {
  const slot = s.slots[n - 1]
  if (slot === undefined) throw new RangeError(`no slot ${n}`)
  return { startMs: at(date, slot.start, s.timezone), endMs: at(date, slot.end, s.timezone) }
}

/** Working hours on `date`, `[startMs, endMs)`. */
export function workingWindow(
  s: OutreachSchedule,
  date: string,
): { startMs: number; endMs: number } {
  return {
    startMs: at(date, s.workingHours.start, s.timezone),
    endMs: at(date, s.workingHours.end, s.timezone),
  }
}

/** The first moment at or after `ms` inside working hours: `ms` itself, or when they next open. */
export function nextWorkingMs(s: OutreachSchedule, ms: number): number {
  const day = dayOf(s, ms)
  const hours = workingWindow(s, day)
  if (ms < hours.startMs) return hours.startMs
  return ms < hours.endMs ? ms : workingWindow(s, nextDay(day)).startMs
}

/** Slot numbers of `date` that have not ended at `nowMs`. */
export function openSlots(s: OutreachSchedule, date: string, nowMs: number): number[] {
  return s.slots.map((_, i) => i + 1).filter((n) => slotWindow(s, date, n).endMs > nowMs)
}

/** True when `date` is one of the campaign's days. */
export function isCampaignDay(s: OutreachSchedule, date: string): boolean {
  return campaignDays(s).includes(date)
}
