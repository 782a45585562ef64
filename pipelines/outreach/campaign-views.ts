import { DayWindow, campaignDays, dayOf } from '../../operators/outreach/schedule.rules.js'
import type { CampaignRow } from '../../storage/postgres/campaign.table.js'
import { outreachSettingsOf } from '../../storage/postgres/outreach/outreach-settings.js'
import { DomainError } from '../domain-error.js'
import { HIDDEN_HEADER_VALUE, RETRY_DEFAULTS, type OutreachSettings } from './campaign-schemas.js'

/** An outreach campaign as the HTTP contract shows it. */
export interface OutreachCampaignView extends OutreachSettings {
  campaignId: string
  type: 'outreach'
  status: CampaignRow['status']
  /** While it is paused: since when, and by whom. */
  pausedAt?: string
  pausedBy?: string
}

/** The settings of an outreach campaign row, parsed once per row. */
export function outreachSettings(row: CampaignRow): OutreachSettings {
  return outreachSettingsOf(row.id, row.settings)
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
      // Retries are a setting of campaigns without slots only.
      ...(s.slots.length === 0 && {
        maxAttempts: s.flow.maxAttempts ?? RETRY_DEFAULTS.maxAttempts,
        retryDelaySeconds: s.flow.retryDelaySeconds ?? RETRY_DEFAULTS.retryDelaySeconds,
      }),
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
 * `slot` when campaign `row` has it (1 to its number of slots; 0, the only one, without
 * slots); otherwise 400 `no_such_slot`.
 */
export function slotOfCampaign(row: CampaignRow, slot: number): number {
  const slots = outreachSettings(row).slots.length
  if (slots === 0 ? slot !== 0 : slot < 1 || slot > slots)
    throw new DomainError('invalid', 'no_such_slot', `Campaign ${row.id} has no slot ${slot}`)
  return slot
}
