import { z } from 'zod'
import {
  DayWindow,
  at,
  nextWorkingMs,
  slotWindow,
  workingWindow,
} from '../../operators/outreach/schedule.rules.js'
import { setCampaignPaused } from '../../storage/postgres/campaign.repository.js'
import type { CampaignRow } from '../../storage/postgres/campaign.table.js'
import {
  pendingRetriggers,
  revokeCampaign,
} from '../../storage/postgres/outreach/flow-task.repository.js'
import {
  attemptInFlight,
  retriggerDay,
} from '../../storage/postgres/outreach/retrigger.repository.js'
import { execAll, type Transaction } from '../../storage/redis/connection.js'
import type { Keys } from '../../storage/redis/keys.js'
import { queueTimers } from '../../storage/redis/timers.js'
import { DomainError } from '../domain-error.js'
import {
  campaignDay,
  outreachCampaignView,
  outreachSettings,
  slotOfCampaign,
  type OutreachCampaignView,
} from './campaign-views.js'
import { customSlotEndTimer, releaseTimer, releasingSlots } from './campaign-timers.js'
import type { OutreachDeps } from './deps.js'
import { assertNotEnded, openOutreachCampaign, stillOpen } from './uploads.js'
import { releaseFields } from './messages.js'

/** Revokes a campaign: Cancelled, its unexecuted tasks CANCELLED; calls in flight finish. */
export async function revoke(
  deps: Pick<OutreachDeps, 'db' | 'clock'>,
  campaignId: string,
): Promise<{ cancelledTasks: number }> {
  await openOutreachCampaign(deps.db, campaignId)
  return { cancelledTasks: await revokeCampaign(deps.db, campaignId, new Date(deps.clock.now())) }
}

/**
 * Pauses an outreach campaign: from now on none of its tasks is released or called (calls in
 * flight finish); uploads, negatives, retriggers and the days' task creation go on. A slot that
 * ends while it is paused fails the tasks it did not reach (`OUT_OF_SLOT_TIME`), as always.
 * Pausing a paused campaign changes nothing; an ended one answers 409 `campaign_ended`.
 */
export async function pause(
  deps: Pick<OutreachDeps, 'db' | 'clock'>,
  campaignId: string,
  by: string,
): Promise<OutreachCampaignView> {
  const campaign = await openOutreachCampaign(deps.db, campaignId)
  const now = deps.clock.now()
  if (campaign.paused_at === null) assertNotEnded(campaign, now)
  const row = await setCampaignPaused(deps.db, campaignId, { at: new Date(now), by })
  return outreachCampaignView(stillOpen(row, campaignId), now)
}

/**
 * Resumes a paused outreach campaign: today's open slots are released again, and so are the
 * retriggered tasks still waiting (at their custom slot's start when it has not come yet);
 * tasks without a slot go out with the next tick. The releases are queued even when the campaign
 * was not paused (harmless: each call is claimed once), so that a resume whose releases were
 * lost (Redis failed after Postgres) is finished by asking again.
 */
export async function resume(
  deps: Pick<OutreachDeps, 'db' | 'redis' | 'keys' | 'clock'>,
  campaignId: string,
): Promise<OutreachCampaignView> {
  await openOutreachCampaign(deps.db, campaignId)
  const now = deps.clock.now()
  const row = stillOpen(await setCampaignPaused(deps.db, campaignId, null), campaignId)
  const today = campaignDay(row, undefined, now)
  const tx = deps.redis.multi()
  for (const n of releasingSlots(outreachSettings(row), today, now))
    tx.xadd(deps.keys.outreachWork, '*', ...releaseFields(campaignId, today, n, '0'))
  await queueWaitingRetriggers(deps, tx, row, now)
  await execAll(tx)
  return outreachCampaignView(row, now)
}

/**
 * Queues on `tx` the release of every group of a campaign's retriggered tasks still waiting for
 * a call (after a pause, or a release only Redis knew of and lost); returns how many (day, slot)
 * groups.
 */
export async function queueWaitingRetriggers(
  deps: Pick<OutreachDeps, 'db' | 'keys'>,
  tx: Transaction,
  campaign: CampaignRow,
  now: number,
): Promise<number> {
  const groups = await pendingRetriggers(deps.db, campaign.id)
  const { timezone } = outreachSettings(campaign)
  for (const g of groups)
    queueRetriggerRelease(tx, deps.keys, {
      campaignId: campaign.id,
      date: g.date,
      slot: g.slot,
      customSlot: g.customSlot,
      timezone,
      now,
    })
  return groups.length
}

/** The reasons a task can have failed with, which a retrigger may pick. */
export const FAILURE_REASONS = [
  'FLOW_ERROR',
  'FLOW_FAILED',
  'OUT_OF_SLOT_TIME',
  'INTERRUPTED',
  'CAMPAIGN_ENDED',
] as const

/** The body of `POST /campaigns/:id/retrigger`. */
export const RetriggerRequest = z.object({
  date: z.iso.date(),
  slot: z.number().int().min(1).optional(),
  customSlot: DayWindow.optional(),
  /**
   * Only the FAILED tasks with one of these reasons (after a flow outage, say: `FLOW_ERROR` and
   * `OUT_OF_SLOT_TIME`, not the contacts the flow itself reported `FLOW_FAILED`).
   */
  reasons: z.array(z.enum(FAILURE_REASONS)).min(1).max(FAILURE_REASONS.length).optional(),
})
export type RetriggerRequest = z.infer<typeof RetriggerRequest>

/**
 * Queues a day's unfinished tasks again (IN_PROGRESS, PARTIAL_COMPLETE, FAILED; or only the
 * FAILED ones with one of `reasons`) with `retriggered`: only once the slot is over (the working
 * day when no slot is named) and while no call of the campaign is in flight. A custom slot is
 * released at its start and checked.
 */
export async function retrigger(
  deps: OutreachDeps,
  campaignId: string,
  input: RetriggerRequest,
): Promise<{ retriggered: number }> {
  const campaign = await openOutreachCampaign(deps.db, campaignId)
  const s = outreachSettings(campaign)
  const now = deps.clock.now()
  campaignDay(campaign, input.date, now)
  if (input.slot !== undefined) slotOfCampaign(campaign, input.slot)
  const over =
    input.slot !== undefined
      ? slotWindow(s, input.date, input.slot).endMs
      : s.slots.length > 0
        ? Math.max(...s.slots.map((_, i) => slotWindow(s, input.date, i + 1).endMs))
        : workingWindow(s, input.date).endMs
  if (now < over)
    throw new DomainError(
      'conflict',
      'slot_not_over',
      `The tasks of ${input.slot === undefined ? (s.slots.length > 0 ? 'the last slot' : 'working hours') : `slot ${input.slot}`} on ${input.date} can be retriggered once it is over, at ${new Date(over).toISOString()}`,
      { overAt: new Date(over).toISOString() },
    )
  // Refuse what could never be called: a custom slot already over, or (without slots, whose
  // retriggered tasks wait for working hours) no working hours left before the campaign ends.
  if (input.customSlot !== undefined) {
    if (now >= at(input.date, input.customSlot.end, s.timezone))
      throw new DomainError(
        'invalid',
        'custom_slot_over',
        `The custom slot ${input.customSlot.start}–${input.customSlot.end} of ${input.date} is over`,
      )
  } else if (s.slots.length === 0 && nextWorkingMs(s, now) >= campaign.end_at.getTime())
    throw new DomainError(
      'conflict',
      'campaign_ended',
      `No working hours are left before campaign ${campaignId} ends at ${campaign.end_at.toISOString()}; retrigger with a customSlot`,
    )
  const inFlight = await attemptInFlight(deps.db, campaignId)
  if (inFlight)
    throw new DomainError(
      'conflict',
      'tasks_in_progress',
      'Some of the campaign’s tasks are being processed',
    )
  const updated = await retriggerDay(deps.db, {
    campaignId,
    date: input.date,
    slot: input.slot,
    reasons: input.reasons,
    customSlot: input.customSlot ?? null,
    at: new Date(now),
  })
  const tx = deps.redis.multi()
  for (const { slot } of updated)
    queueRetriggerRelease(tx, deps.keys, {
      campaignId,
      date: input.date,
      slot,
      customSlot: input.customSlot ?? null,
      timezone: s.timezone,
      now,
    })
  await execAll(tx)
  return { retriggered: updated.reduce((sum, r) => sum + Number(r.n), 0) }
}

/**
 * Queues the release of a day's retriggered tasks of one slot: now, or at the start of their
 * custom slot. Releasing again what was released is harmless (each call is claimed once).
 */
export function queueRetriggerRelease(
  tx: Transaction,
  keys: Keys,
  r: {
    campaignId: string
    date: string
    slot: number
    customSlot: DayWindow | null
    timezone: string
    now: number
  },
): void {
  const releaseAt =
    r.customSlot === null ? r.now : Math.max(r.now, at(r.date, r.customSlot.start, r.timezone))
  if (releaseAt <= r.now)
    tx.xadd(keys.outreachWork, '*', ...releaseFields(r.campaignId, r.date, r.slot, '0'))
  else
    queueTimers(tx, keys, [releaseTimer('retrigger', releaseAt, r.campaignId, r.date, r.slot, '0')])
  // A custom slot ends like a slot: what it did not reach fails then, not at a later retrigger.
  if (r.customSlot !== null) {
    const endMs = at(r.date, r.customSlot.end, r.timezone)
    queueTimers(tx, keys, [customSlotEndTimer(r.campaignId, r.date, r.slot, r.customSlot, endMs)])
  }
}
