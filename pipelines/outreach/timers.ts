import { dayOf, nextDay, workingWindow } from '../../operators/outreach/schedule.rules.js'
import { findCampaign } from '../../storage/postgres/campaign.repository.js'
import {
  failInterrupted,
  failStaleSlotless,
  failUnattempted,
  failUncalledSlotless,
} from '../../storage/postgres/outreach/task-failure.repository.js'
import type { CampaignRow } from '../../storage/postgres/campaign.table.js'
import type { Transaction } from '../../storage/redis/connection.js'
import { queueTimers } from '../../storage/redis/timers.js'
import { flatten } from '../../storage/redis/streams.js'
import { OutreachTimerKind, SWEEP_MARGIN_MS, slotlessLastTickMs } from './campaign-timers.js'
import { outreachSettings } from './campaign-views.js'
import { campaignDayTotals } from './dashboard.js'
import type { OutreachDeps } from './deps.js'
import { createFields, releaseFields } from './messages.js'
import type { TimerHandler, TimerMessage } from '../timers.actor.js'

/** Why a task that never got its call failed. */
export const OUT_OF_SLOT_TIME = 'OUT_OF_SLOT_TIME'
/** Why a task whose call started but never reported (its executor died) failed. */
export const INTERRUPTED = 'INTERRUPTED'
/** Why a task without a slot that was still waiting for a call when the campaign ended failed. */
export const CAMPAIGN_ENDED = 'CAMPAIGN_ENDED'
/** How often tasks without a slot are looked at during working hours. */
const TICK_MS = 5000

const field = (t: TimerMessage, name: string) => {
  const value = t[name]
  return typeof value === 'string' || typeof value === 'number' ? String(value) : ''
}

/** The campaign, day and slot a slot timer is for. */
const slotOf = (t: TimerMessage) => ({
  campaignId: field(t, 'campaignId'),
  date: field(t, 'date'),
  slot: Number(field(t, 'slot')),
})

/** The tasks a slot timer is for: a slot's own, or, with `start` and `end`, a custom slot's. */
const slotTasksOf = (t: TimerMessage) => ({
  ...slotOf(t),
  ...(t.start === undefined
    ? {}
    : { customSlot: { start: field(t, 'start'), end: field(t, 'end') } }),
})

/** Handlers of outreach timers: 00:00 task creation, slot start (release) and slot end. */
export function outreachTimerHandlers(deps: OutreachDeps): Record<string, TimerHandler> {
  const { keys } = deps
  const live = async (t: TimerMessage) => {
    const campaign = await findCampaign(deps.db, field(t, 'campaignId'))
    return campaign !== undefined && campaign.status !== 'Cancelled'
  }
  /**
   * The end of a campaign without slots: tasks still waiting for a call fail with
   * {@link CAMPAIGN_ENDED}. Calls still running may take up to the flow timeout, so the tick
   * comes once more after it to close those whose executor died (and anything left).
   */
  const endSlotless = async (campaign: CampaignRow, timerId: string, now: number) => {
    const failed = await failUncalledSlotless(deps.db, {
      campaignId: campaign.id,
      reason: CAMPAIGN_ENDED,
      at: new Date(now),
    })
    if (failed > 0)
      deps.logger.info(
        { campaignId: campaign.id, failed, reason: CAMPAIGN_ENDED },
        'campaign ended: tasks still waiting for a call failed',
      )
    const lastMs = slotlessLastTickMs(campaign)
    if (now >= lastMs) return undefined
    const last = {
      id: timerId,
      dueMs: lastMs,
      fields: { kind: OutreachTimerKind.tick, campaignId: campaign.id },
    }
    return (tx: Transaction) => queueTimers(tx, keys, [last])
  }
  /** Logs the calls that never reported, now failed as {@link INTERRUPTED}. */
  const interrupted = (where: { campaignId: string }, failed: number) => {
    if (failed > 0)
      deps.logger.warn(
        { ...where, failed, reason: INTERRUPTED },
        'calls that never reported (their executor stopped) failed',
      )
  }
  /**
   * The end of a slot, or of a retrigger's custom slot: its tasks it never reached fail, and
   * its sweep is armed for when the calls still running have had their flow timeout.
   */
  const endSlot: TimerHandler = async (t) => {
    const slot = slotTasksOf(t)
    const now = deps.clock.now()
    const failed = await failUnattempted(deps.db, {
      ...slot,
      reason: OUT_OF_SLOT_TIME,
      at: new Date(now),
    })
    // The executor fails tasks it holds past the end too: the slot's counts say it all.
    const tasks = await campaignDayTotals(deps.db, slot.campaignId, slot.date, slot.slot)
    deps.logger.info({ ...slot, unattempted: failed, tasks }, 'slot ended')
    // Calls still running may take up to the flow timeout; after that, any left are orphans.
    const campaign = await findCampaign(deps.db, slot.campaignId)
    const timeoutMs = campaign === undefined ? 0 : outreachSettings(campaign).flow.timeoutMs
    const custom = slot.customSlot
    const sweep = {
      id:
        custom === undefined
          ? `outreach:${slot.campaignId}:${slot.date}:${slot.slot}:sweep`
          : `${t.timerId}:sweep`,
      dueMs: now + timeoutMs + SWEEP_MARGIN_MS,
      fields: {
        kind:
          custom === undefined ? OutreachTimerKind.slotSweep : OutreachTimerKind.customSlotSweep,
        campaignId: slot.campaignId,
        date: slot.date,
        slot: String(slot.slot),
        ...custom,
      },
    }
    return (tx) => queueTimers(tx, keys, [sweep])
  }
  /** A slot's (or a custom slot's) calls that never reported fail, well after its end. */
  const sweepSlot: TimerHandler = async (t) => {
    const slot = slotTasksOf(t)
    const failed = await failInterrupted(deps.db, {
      ...slot,
      reason: INTERRUPTED,
      at: new Date(deps.clock.now()),
    })
    interrupted(slotOf(t), failed)
    return undefined
  }
  return {
    [OutreachTimerKind.day]: async (t) => {
      if (!(await live(t))) return undefined
      return (tx) =>
        tx.xadd(
          keys.outreachWork,
          '*',
          ...createFields(field(t, 'campaignId'), field(t, 'date'), '0'),
        )
    },
    [OutreachTimerKind.slotStart]: async (t) => {
      if (!(await live(t))) return undefined
      const slot = slotOf(t)
      deps.logger.info(slot, 'slot starting: its tasks are released')
      return (tx) =>
        tx.xadd(
          keys.outreachWork,
          '*',
          ...releaseFields(slot.campaignId, slot.date, slot.slot, '0'),
        )
    },
    [OutreachTimerKind.slotEnd]: endSlot,
    [OutreachTimerKind.customSlotEnd]: endSlot,
    [OutreachTimerKind.slotSweep]: sweepSlot,
    [OutreachTimerKind.customSlotSweep]: sweepSlot,
    [OutreachTimerKind.tick]: async (t) => {
      const campaign = await findCampaign(deps.db, field(t, 'campaignId'))
      if (campaign === undefined || campaign.status === 'Cancelled') return undefined
      const now = deps.clock.now()
      const s = outreachSettings(campaign)
      const stale = await failStaleSlotless(deps.db, {
        campaignId: campaign.id,
        startedBefore: new Date(now - s.flow.timeoutMs - SWEEP_MARGIN_MS),
        reason: INTERRUPTED,
        at: new Date(now),
      })
      interrupted({ campaignId: campaign.id }, stale)
      if (now >= campaign.end_at.getTime()) return endSlotless(campaign, t.timerId, now)
      const today = dayOf(s, now)
      const working = workingWindow(s, today)
      const inHours = now >= working.startMs && now < working.endMs
      const nextMs = inHours
        ? now + TICK_MS
        : now < working.startMs
          ? working.startMs
          : workingWindow(s, nextDay(today)).startMs
      const again = {
        id: t.timerId,
        dueMs: Math.min(nextMs, campaign.end_at.getTime()),
        fields: { kind: OutreachTimerKind.tick, campaignId: campaign.id },
      }
      return (tx) => {
        if (inHours) tx.xadd(keys.outreachWork, '*', ...releaseFields(campaign.id, today, 0, '0'))
        queueTimers(tx, keys, [again])
      }
    },
    'outreach.resume': (t) => {
      const { timerId: _id, dueAt: _due, kind: _kind, ...cursor } = t
      const fields = Object.fromEntries(Object.entries(cursor).map(([k, v]) => [k, String(v)]))
      return Promise.resolve((tx) => tx.xadd(keys.outreachWork, '*', ...flatten(fields)))
    },
  }
}
