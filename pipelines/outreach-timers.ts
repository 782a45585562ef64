import { findCampaign } from '../storage/postgres/campaign.repository.js'
import { failUnattempted } from '../storage/postgres/flow-task.repository.js'
import { flatten } from '../storage/redis/streams.js'
import { OutreachTimerKind } from './outreach-campaigns.js'
import type { OutreachDeps } from './outreach-deps.js'
import { createFields, releaseFields } from './outreach-work-pipeline.js'
import type { TimerHandler, TimerMessage } from './timers-pipeline.js'

/** Why a task that never got its call failed. */
export const OUT_OF_SLOT_TIME = 'OUT_OF_SLOT_TIME'

const field = (t: TimerMessage, name: string) => {
  const value = t[name]
  return typeof value === 'string' || typeof value === 'number' ? String(value) : ''
}

/** Handlers of outreach timers: 00:00 task creation, slot start (release) and slot end. */
export function outreachTimerHandlers(deps: OutreachDeps): Record<string, TimerHandler> {
  const { keys } = deps
  const live = async (t: TimerMessage) => {
    const campaign = await findCampaign(deps.db, field(t, 'campaignId'))
    return campaign !== undefined && campaign.status !== 'Cancelled'
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
      return (tx) =>
        tx.xadd(
          keys.outreachWork,
          '*',
          ...releaseFields(field(t, 'campaignId'), field(t, 'date'), Number(field(t, 'slot')), '0'),
        )
    },
    [OutreachTimerKind.slotEnd]: async (t) => {
      await failUnattempted(deps.db, {
        campaignId: field(t, 'campaignId'),
        date: field(t, 'date'),
        slot: Number(field(t, 'slot')),
        reason: OUT_OF_SLOT_TIME,
        at: new Date(deps.clock.now()),
      })
      return undefined
    },
    'outreach.resume': (t) => {
      const { timerId: _id, dueAt: _due, kind: _kind, ...cursor } = t
      const fields = Object.fromEntries(Object.entries(cursor).map(([k, v]) => [k, String(v)]))
      return Promise.resolve((tx) => tx.xadd(keys.outreachWork, '*', ...flatten(fields)))
    },
  }
}
