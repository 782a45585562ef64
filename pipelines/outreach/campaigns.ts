import { urlProblem, type OutboundPolicy } from '../../operators/outbound.rules.js'
import { campaignDays, dayStart, nextDay } from '../../operators/outreach/schedule.rules.js'
import {
  insertCampaign,
  updateOutreachSettings,
} from '../../storage/postgres/campaign.repository.js'
import { outreachSettingsJson } from '../../storage/postgres/outreach/outreach-settings.js'
import { scheduleTimers } from '../../storage/redis/timers.js'
import { fieldsInvalid } from '../domain-error.js'
import type { OutreachDeps } from './deps.js'
import { openOutreachCampaign, stillOpen } from './uploads.js'
import {
  RETRY_DEFAULTS,
  SLOTTED_NO_RETRIES,
  retryFieldsGiven,
  type OutreachCampaignChange,
  type NewOutreachCampaign,
} from './campaign-schemas.js'
import {
  type OutreachCampaignView,
  outreachCampaignView,
  outreachSettings,
} from './campaign-views.js'
import { outreachTimers } from './campaign-timers.js'

/** Refuses a flow URL the outbound policy does not allow, as a field error of `flow.url`. */
function checkFlowUrl(policy: OutboundPolicy, url: string): void {
  const problem = urlProblem(policy, url)
  if (problem !== undefined) throw fieldsInvalid([{ field: 'flow.url', message: problem }])
}

/** Stores an outreach campaign and arms its timers. */
export async function createOutreachCampaign(
  deps: Pick<OutreachDeps, 'db' | 'redis' | 'keys' | 'clock' | 'outbound'>,
  input: NewOutreachCampaign,
  createdBy: string,
): Promise<OutreachCampaignView> {
  checkFlowUrl(deps.outbound, input.flow.url)
  const { type: _type, ...given } = input
  // Without slots, a failed call is tried again: its retries are stored with their defaults.
  const settings =
    input.slots.length > 0 ? given : { ...given, flow: { ...RETRY_DEFAULTS, ...given.flow } }
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
    settings: outreachSettingsJson(settings),
  })
  await scheduleTimers(deps.redis, deps.keys, outreachTimers(row, deps.clock.now()))
  return outreachCampaignView(row, deps.clock.now())
}

/**
 * Changes the name, flow settings or rate of an outreach campaign that was not revoked, in one
 * statement (a concurrent change of other fields is kept). Calls from then on use them.
 */
export async function changeOutreachCampaign(
  deps: Pick<OutreachDeps, 'db' | 'clock' | 'outbound'>,
  id: string,
  change: OutreachCampaignChange,
): Promise<OutreachCampaignView> {
  if (change.flow?.url !== undefined) checkFlowUrl(deps.outbound, change.flow.url)
  const current = await openOutreachCampaign(deps.db, id)
  const retries = retryFieldsGiven(change.flow)
  if (retries.length > 0 && outreachSettings(current).slots.length > 0)
    throw fieldsInvalid(retries.map((f) => ({ field: `flow.${f}`, message: SLOTTED_NO_RETRIES })))
  const { flow, ...top } = change
  const row = await updateOutreachSettings(deps.db, id, top, flow ?? {})
  return outreachCampaignView(stillOpen(row, id), deps.clock.now())
}
