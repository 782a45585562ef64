import {
  campaignDays,
  dayStart,
  nextDay,
  openSlots,
  slotWindow,
  type OutreachSchedule,
} from '../../operators/outreach/schedule.rules.js'
import type { CampaignRow } from '../../storage/postgres/campaign.table.js'
import type { Timer } from '../../storage/redis/timers.js'
import { outreachSettings } from './campaign-views.js'
import { releaseFields } from './messages.js'

/**
 * A slot's release starts this long before the slot does, so that its first tasks are loaded,
 * checked and within their rate budget when it opens; the executor holds them until then.
 */
export const SLOT_LEAD_MS = 2000

/**
 * Slots of `date` whose release has begun ({@link SLOT_LEAD_MS} before their start) and that
 * have not ended.
 */
export function releasingSlots(s: OutreachSchedule, date: string, nowMs: number): number[] {
  return openSlots(s, date, nowMs).filter(
    (n) => slotWindow(s, date, n).startMs - SLOT_LEAD_MS <= nowMs,
  )
}

/** Margin after the flow timeout before calls that never reported are swept. */
export const SWEEP_MARGIN_MS = 5000

/**
 * The last tick of a campaign without slots: after its end, once every call begun before it
 * has reported or timed out.
 */
export function slotlessLastTickMs(campaign: CampaignRow): number {
  return campaign.end_at.getTime() + outreachSettings(campaign).flow.timeoutMs + SWEEP_MARGIN_MS
}

/** Timer kinds of outreach campaigns. */
export const OutreachTimerKind = {
  day: 'outreach.day',
  slotStart: 'outreach.slot-start',
  slotEnd: 'outreach.slot-end',
  slotSweep: 'outreach.slot-sweep',
  /** The end of a retrigger's custom slot: its tasks it did not reach fail. */
  customSlotEnd: 'outreach.custom-slot-end',
  /** After a custom slot's end and the flow timeout: calls that never reported fail. */
  customSlotSweep: 'outreach.custom-slot-sweep',
  /** Campaigns without slots: release the tasks that are due, every few seconds. */
  tick: 'outreach.tick',
} as const

/**
 * The timers of an outreach campaign from `fromMs` on: each day's task creation at 00:00 and,
 * per slot, its start (release, {@link SLOT_LEAD_MS} ahead) and end (out of slot time);
 * without slots, one tick that keeps re-arming itself while the campaign runs, and ends it. Ids make
 * re-arming idempotent.
 */
export function outreachTimers(row: CampaignRow, fromMs: number): Timer[] {
  const s: OutreachSchedule = outreachSettings(row)
  const id = row.id
  const timers: Timer[] = []
  if (s.slots.length === 0) {
    if (fromMs >= slotlessLastTickMs(row)) return []
    const dueMs = Math.max(row.start_at.getTime(), fromMs)
    return [
      {
        id: `outreach:${id}:tick`,
        dueMs,
        fields: { kind: OutreachTimerKind.tick, campaignId: id },
      },
    ]
  }
  for (const date of campaignDays(s)) {
    if (dayStart(s, nextDay(date)) <= fromMs) continue
    timers.push({
      id: `outreach:${id}:${date}:day`,
      dueMs: dayStart(s, date),
      fields: { kind: OutreachTimerKind.day, campaignId: id, date },
    })
    s.slots.forEach((_, i) => {
      const n = i + 1
      const { startMs, endMs } = slotWindow(s, date, n)
      const fields = { campaignId: id, date, slot: String(n) }
      timers.push({
        id: `outreach:${id}:${date}:${n}:start`,
        dueMs: startMs - SLOT_LEAD_MS,
        fields: { kind: OutreachTimerKind.slotStart, ...fields },
      })
      timers.push(slotEndTimer(id, date, n, endMs))
    })
  }
  return timers
}

/**
 * The timer that ends a retrigger's custom slot `window` for slot `n` of `date` at `endMs`: the
 * retriggered tasks it never reached fail, as a slot's own do at its end.
 */
export function customSlotEndTimer(
  campaignId: string,
  date: string,
  n: number,
  window: { start: string; end: string },
  endMs: number,
): Timer {
  return {
    id: `outreach:${campaignId}:${date}:${n}:custom-end:${window.start}-${window.end}`,
    dueMs: endMs,
    fields: {
      kind: OutreachTimerKind.customSlotEnd,
      campaignId,
      date,
      slot: String(n),
      start: window.start,
      end: window.end,
    },
  }
}

/** The timer that ends slot `n` of `date` at `endMs`: tasks it never reached fail. */
export function slotEndTimer(campaignId: string, date: string, n: number, endMs: number): Timer {
  return {
    id: `outreach:${campaignId}:${date}:${n}:end`,
    dueMs: endMs,
    fields: { kind: OutreachTimerKind.slotEnd, campaignId, date, slot: String(n) },
  }
}

/** A flat field/value list as pairs. */
function chunkPairs(flat: string[]): [string, string][] {
  const pairs: [string, string][] = []
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i] ?? '', flat[i + 1] ?? ''])
  return pairs
}

/**
 * A timer that puts a release cursor on `outreach:work` at `dueMs` (`outreach.resume`); `name`
 * tells its purpose apart in its id (one per campaign, day, slot and purpose).
 */
export function releaseTimer(
  name: 'resume' | 'retrigger',
  dueMs: number,
  campaignId: string,
  date: string,
  slot: number,
  after: string,
): Timer {
  return {
    id: `outreach:${campaignId}:${date}:${slot}:${name}`,
    dueMs,
    fields: {
      kind: 'outreach.resume',
      ...Object.fromEntries(chunkPairs(releaseFields(campaignId, date, slot, after))),
    },
  }
}
