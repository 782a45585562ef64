import { money } from '../../operators/money.rules.js'
import { findCampaign, markLifecycle } from '../../storage/postgres/campaign.repository.js'
import {
  decideWinner,
  findWinner,
} from '../../storage/postgres/scoring/campaign-winner.repository.js'
import type { TieBreak } from '../../storage/postgres/scoring/campaign-winner.table.js'
import { topTotals, type Total } from '../../storage/postgres/scoring/purchase-total.repository.js'
import type { Transaction } from '../../storage/redis/connection.js'
import type { Keys } from '../../storage/redis/keys.js'
import { queueTimers } from '../../storage/redis/timers.js'
import { CampaignTimerKind } from '../campaign-timers.js'
import { bumpConfigVersion } from './cache.js'
import type { ScoringDeps } from './deps.js'
import { hasOutstandingBefore, redisTime } from './settlement.js'
import type { TimerHandler, TimerMessage } from '../timers.actor.js'

/** How long a publish-once marker is kept (longer than any redelivery). */
const ONCE_TTL_SECONDS = 90 * 24 * 3600
/** How soon an unsettled winner decision is looked at again. */
const SETTLE_RECHECK_MS = 1000

/** Queues a campaign's `Start` or `End` on `campaigns_lifecycle`: published once, whoever queues it. */
export function queueLifecycle(
  tx: Transaction,
  keys: Keys,
  campaignId: string,
  status: 'Start' | 'End',
): void {
  tx.publishOnce(
    keys.once(`lifecycle:${campaignId}:${status}`),
    keys.lifecycle,
    ONCE_TTL_SECONDS,
    'campaignId',
    campaignId,
    'status',
    status,
  )
}

/** Which rule separated the winner from the runner-up. */
export function tieBreakOf(first: Total, second: Total | undefined): TieBreak {
  if (second === undefined || first.totalMinor !== second.totalMinor) return 'none'
  if (first.reachedAt.getTime() !== second.reachedAt.getTime()) return 'reachedAt'
  return 'userId'
}

const campaignIdOf = (timer: TimerMessage) => String(timer.campaignId)

/** Handlers of the campaign lifecycle timers: Start and End events, and the winner. */
export function scoringTimerHandlers(deps: ScoringDeps): Record<string, TimerHandler> {
  const { db, redis, keys, clock, logger } = deps

  const lifecycle =
    (status: 'Start' | 'End'): TimerHandler =>
    async (timer) => {
      const id = campaignIdOf(timer)
      const row = await markLifecycle(db, id, status, new Date(clock.now()))
      if (row === undefined || row.status === 'Cancelled') return undefined
      logger.info(
        { campaignId: id, status },
        `purchase campaign ${status === 'Start' ? 'started' : 'ended'}`,
      )
      return (tx) => queueLifecycle(tx, keys, id, status)
    }

  /** Decides once every purchase that arrived before the end has been counted. */
  const settled = async (endMs: number) => {
    if (await hasOutstandingBefore(redis, keys.purchaseEvents, 'purchase-qualify', endMs))
      return false
    const now = await redisTime(redis)
    return !(await hasOutstandingBefore(
      redis,
      keys.qualifiedPurchases,
      'reduce-to-leaderboard',
      now,
    ))
  }

  const settle: TimerHandler = async (timer) => {
    const id = campaignIdOf(timer)
    const campaign = await findCampaign(db, id)
    if (campaign === undefined || campaign.status === 'Cancelled' || campaign.type !== 'purchase')
      return undefined
    let winner = await findWinner(db, id)
    if (winner === undefined) {
      if (!(await settled(campaign.end_at.getTime()))) {
        const recheck = {
          id: timer.timerId,
          dueMs: clock.now() + SETTLE_RECHECK_MS,
          fields: { kind: timer.kind, campaignId: id },
        }
        return (tx) => queueTimers(tx, keys, [recheck])
      }
      const [first, second] = await topTotals(db, id, 2)
      if (first === undefined) {
        logger.info({ campaignId: id }, 'campaign ended without a qualified purchase: no winner')
        return undefined
      }
      winner = await decideWinner(db, {
        campaignId: id,
        userId: first.userId,
        totalMinor: first.totalMinor,
        decidedAt: new Date(clock.now()),
        tieBreak: tieBreakOf(first, second),
      })
      await bumpConfigVersion(redis, keys)
      if (winner === undefined) return undefined // cancelled meanwhile: no winner, no prize
      logger.info(
        { campaignId: id, userId: winner.user_id, tieBreak: winner.tie_break },
        'winner decided',
      )
    }
    const prize = money(campaign.prize_minor ?? '0', campaign.prize_currency ?? deps.baseCurrency)
    const userId = winner.user_id
    return (tx) => {
      tx.publishOnce(
        keys.once(`prize:${id}`),
        keys.prizeTransfers,
        ONCE_TTL_SECONDS,
        'campaignId',
        id,
        'userId',
        userId,
        'value',
        prize.value,
        'currency',
        prize.currency,
      )
    }
  }

  return {
    [CampaignTimerKind.start]: lifecycle('Start'),
    [CampaignTimerKind.end]: lifecycle('End'),
    [CampaignTimerKind.settle]: settle,
  }
}
