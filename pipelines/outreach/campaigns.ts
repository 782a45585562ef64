import { z } from 'zod'
import {
  DayWindow,
  campaignDays,
  dayOf,
  dayStart,
  isZone,
  nextDay,
  openSlots,
  scheduleProblems,
  slotWindow,
  type OutreachSchedule,
} from '../../operators/outreach/schedule.rules.js'
import {
  insertCampaign,
  updateOutreachSettings,
} from '../../storage/postgres/campaign.repository.js'
import type { CampaignRow } from '../../storage/postgres/campaign.table.js'
import { scheduleTimers, type Timer } from '../../storage/redis/timers.js'
import { DomainError, fieldsInvalid } from '../domain-error.js'
import type { OutreachDeps } from './deps.js'
import { openOutreachCampaign, stillOpen } from './uploads.js'

/** The rules of each flow setting and of the rate, for creation and for changes. */
const flowUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
const timeoutMs = z.number().int().min(100).max(120_000)
const maxAttempts = z.number().int().min(1).max(10)
const retryDelaySeconds = z.number().int().min(0).max(86_400)
const ratePerSecond = z.number().int().min(1).max(10_000)
const campaignName = z.string().trim().min(1).max(200)

/** Headers the executor sets itself, or that only the HTTP client may set. */
const RESERVED_HEADERS = new Set([
  'connection',
  'content-length',
  'content-type',
  'expect',
  'host',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])
/** At most this many headers per flow endpoint. */
export const MAX_FLOW_HEADERS = 20
/** What an answer shows instead of a header's value. */
export const HIDDEN_HEADER_VALUE = '***'

/**
 * Extra headers of every call to the flow endpoint (an `authorization` or API key header, say):
 * names are HTTP tokens, kept in lower case, values printable text without line breaks. Answers
 * show the names only (each value as {@link HIDDEN_HEADER_VALUE}).
 */
const flowHeaders = z
  .record(
    z.string(),
    z
      .string()
      .max(4096)
      .regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'must be printable text on one line'),
  )
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers)
    if (names.length > MAX_FLOW_HEADERS)
      ctx.addIssue({ code: 'custom', message: `at most ${MAX_FLOW_HEADERS} headers` })
    const seen = new Set<string>()
    for (const name of names) {
      const lower = name.toLowerCase()
      const problem = !/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(name)
        ? 'must be an HTTP header name'
        : RESERVED_HEADERS.has(lower)
          ? 'is set by the executor, not by the campaign'
          : seen.has(lower)
            ? 'is given twice (header names ignore case)'
            : undefined
      seen.add(lower)
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: problem })
    }
  })
  .transform((headers) =>
    Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
  )

/** The flow endpoint each task is sent to. */
export const FlowConfig = z.object({
  url: flowUrl,
  timeoutMs: timeoutMs.default(10_000),
  maxAttempts: maxAttempts.default(3),
  retryDelaySeconds: retryDelaySeconds.default(600),
  headers: flowHeaders.optional(),
})

/** Names the fields a change may not touch. */
const onlyThese = {
  error: (issue: { code?: string; keys?: string[] }) =>
    issue.code === 'unrecognized_keys'
      ? `only name, flow and ratePerSecond may change, not ${(issue.keys ?? []).join(', ')}`
      : undefined,
}
/**
 * The body of `PATCH /campaigns/:id`: what may change while an outreach campaign runs (its
 * schedule may not: its tasks and timers follow it).
 */
export const OutreachCampaignChange = z
  .strictObject(
    {
      name: campaignName.optional(),
      flow: z
        .strictObject({
          url: flowUrl.optional(),
          timeoutMs: timeoutMs.optional(),
          maxAttempts: maxAttempts.optional(),
          retryDelaySeconds: retryDelaySeconds.optional(),
          /** Replaces every header (`{}` removes them). */
          headers: flowHeaders.optional(),
        })
        .optional(),
      ratePerSecond: ratePerSecond.optional(),
    },
    onlyThese,
  )
  .refine((c) => Object.keys(c).length > 0, {
    message: 'give name, flow or ratePerSecond to change',
    when: (payload) => payload.issues.length === 0,
  })
export type OutreachCampaignChange = z.infer<typeof OutreachCampaignChange>

/** The body of `POST /campaigns` for an outreach campaign; `maxSlots` is `MAX_SLOTS_PER_DAY`. */
export function newOutreachCampaign(maxSlots: number) {
  return z
    .object({
      type: z.literal('outreach'),
      name: campaignName,
      timezone: z.string().refine(isZone, 'must be an IANA time zone such as Asia/Kolkata'),
      workingHours: DayWindow,
      slots: z.array(DayWindow).default([]),
      startDate: z.iso.date(),
      days: z.number().int().min(1, 'at least 1 day').max(30, 'at most 30 days'),
      flow: FlowConfig,
      ratePerSecond: ratePerSecond.default(50),
    })
    .superRefine((c, ctx) => {
      for (const problem of scheduleProblems(c, maxSlots))
        ctx.addIssue({ code: 'custom', ...problem })
    })
}
export type NewOutreachCampaign = z.infer<ReturnType<typeof newOutreachCampaign>>

/** What an outreach campaign keeps in `campaign.settings`. */
export type OutreachSettings = Omit<NewOutreachCampaign, 'type'>

/** An outreach campaign as the HTTP contract shows it. */
export interface OutreachCampaignView extends OutreachSettings {
  campaignId: string
  type: 'outreach'
  status: CampaignRow['status']
  /** While it is paused: since when, and by whom. */
  pausedAt?: string
  pausedBy?: string
}

/** The settings of an outreach campaign row. */
export function outreachSettings(row: CampaignRow): OutreachSettings {
  return row.settings as OutreachSettings
}

/**
 * Where an outreach campaign stands at `nowMs`: `Cancelled` once revoked, otherwise by its days
 * (from 00:00 of the first to 00:00 after the last, in its zone). No timer moves it, so the
 * answer is right whichever process asks and whether or not timers have fired.
 */
export function outreachStatus(row: CampaignRow, nowMs: number): CampaignRow['status'] {
  if (row.status === 'Cancelled') return 'Cancelled'
  if (nowMs < row.start_at.getTime()) return 'Scheduled'
  return nowMs < row.end_at.getTime() ? 'Running' : 'Ended'
}

/**
 * The campaign day a request is about: `date` when it is one of the campaign's days (otherwise
 * 400 `not_a_campaign_day`, naming its days), or, without one, today in the campaign's zone,
 * brought into its days (its first day before it starts, its last once it has ended).
 */
export function campaignDay(row: CampaignRow, date: string | undefined, nowMs: number): string {
  const s = outreachSettings(row)
  const days = campaignDays(s)
  const first = days[0] ?? s.startDate
  const last = days[days.length - 1] ?? s.startDate
  if (date === undefined) {
    const today = dayOf(s, nowMs)
    return today < first ? first : today > last ? last : today
  }
  if (!days.includes(date))
    throw new DomainError(
      'invalid',
      'not_a_campaign_day',
      `${date} is not a day of campaign ${row.id}: it runs from ${first} to ${last} (${s.timezone})`,
      { firstDay: first, lastDay: last },
    )
  return date
}

/** Maps a stored row to its view at `nowMs`. */
export function outreachCampaignView(row: CampaignRow, nowMs: number): OutreachCampaignView {
  // Field by field: `jsonb` keeps keys in its own order (shortest first), not the request's.
  const s = outreachSettings(row)
  const window = (w: DayWindow): DayWindow => ({ start: w.start, end: w.end })
  return {
    campaignId: row.id,
    type: 'outreach',
    name: s.name,
    timezone: s.timezone,
    workingHours: window(s.workingHours),
    slots: s.slots.map(window),
    startDate: s.startDate,
    days: s.days,
    flow: {
      url: s.flow.url,
      timeoutMs: s.flow.timeoutMs,
      maxAttempts: s.flow.maxAttempts,
      retryDelaySeconds: s.flow.retryDelaySeconds,
      ...(s.flow.headers !== undefined &&
        Object.keys(s.flow.headers).length > 0 && {
          headers: Object.fromEntries(
            Object.keys(s.flow.headers).map((name) => [name, HIDDEN_HEADER_VALUE]),
          ),
        }),
    },
    ratePerSecond: s.ratePerSecond,
    status: outreachStatus(row, nowMs),
    ...(row.paused_at !== null && {
      pausedAt: row.paused_at.toISOString(),
      pausedBy: row.paused_by ?? '',
    }),
  }
}

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

/**
 * `slot` when campaign `row` has it (1 to its number of slots; 0, the only one, without
 * slots); otherwise 400 `no_such_slot`.
 */
export function slotOfCampaign(row: CampaignRow, slot: number): number {
  const slots = outreachSettings(row).slots.length
  if (slots === 0 ? slot !== 0 : slot < 1 || slot > slots)
    throw new DomainError('invalid', 'no_such_slot', `Campaign ${row.id} has no slot ${slot}`)
  return slot
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

/** The timer that ends slot `n` of `date` at `endMs`: tasks it never reached fail. */
export function slotEndTimer(campaignId: string, date: string, n: number, endMs: number): Timer {
  return {
    id: `outreach:${campaignId}:${date}:${n}:end`,
    dueMs: endMs,
    fields: { kind: OutreachTimerKind.slotEnd, campaignId, date, slot: String(n) },
  }
}

/** Stores an outreach campaign and arms its timers. */
export async function createOutreachCampaign(
  deps: Pick<OutreachDeps, 'db' | 'redis' | 'keys' | 'clock'>,
  input: NewOutreachCampaign,
  createdBy: string,
): Promise<OutreachCampaignView> {
  const { type: _type, ...settings } = input
  const days = campaignDays(input)
  const last = days[days.length - 1] ?? input.startDate
  const endMs = dayStart(input, nextDay(last))
  if (endMs <= deps.clock.now())
    throw fieldsInvalid([
      { field: 'startDate', message: `the campaign's last day, ${last}, is over` },
    ])
  const row = await insertCampaign(deps.db, {
    type: 'outreach',
    item_id: null,
    prize_minor: null,
    prize_currency: null,
    start_at: new Date(dayStart(input, days[0] ?? input.startDate)),
    end_at: new Date(endMs),
    created_by: createdBy,
    started_at: null,
    ended_at: null,
    settings: JSON.stringify(settings),
  })
  await scheduleTimers(deps.redis, deps.keys, outreachTimers(row, deps.clock.now()))
  return outreachCampaignView(row, deps.clock.now())
}

/**
 * Changes the name, flow settings or rate of an outreach campaign that was not revoked, in one
 * statement (a concurrent change of other fields is kept). Calls from then on use them.
 */
export async function changeOutreachCampaign(
  deps: Pick<OutreachDeps, 'db' | 'clock'>,
  id: string,
  change: OutreachCampaignChange,
): Promise<OutreachCampaignView> {
  await openOutreachCampaign(deps.db, id)
  const { flow, ...top } = change
  const row = await updateOutreachSettings(deps.db, id, top, flow ?? {})
  return outreachCampaignView(stillOpen(row, id), deps.clock.now())
}
