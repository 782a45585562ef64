import { concatMap } from 'rxjs'
import { afterRefresh } from '../../operators/after-refresh.js'
import { groupBy } from '../../operators/group-by.rules.js'
import { MAX_TOTAL_MINOR } from '../../operators/money.rules.js'
import { QualifiedPurchase } from './messages.js'
import { reduceToLeaderboard } from '../../operators/scoring/reduce-to-leaderboard.js'
import {
  applyPurchases,
  type Total,
} from '../../storage/postgres/scoring/purchase-total.repository.js'
import { queueLeaderboardUpdate } from '../../storage/redis/leaderboard.js'
import type { ActorDefinition, Effect } from '../runtime/actor-definition.js'
import { PoisonEntryError } from '../runtime/errors.js'
import type { ScoringDeps } from './deps.js'

/**
 * Postgres data errors (class 22) and constraint violations (23) cannot pass by retrying; a
 * total that would pass the maximum says so.
 */
function asPoison(error: unknown): unknown {
  const code = (error as { code?: unknown }).code
  if ((error as { constraint?: unknown }).constraint === 'purchase_total_within_maximum') {
    return new PoisonEntryError(
      `total_over_maximum: the user's total would pass the maximum of ${MAX_TOTAL_MINOR} minor units`,
      { cause: error },
    )
  }
  if (typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'))) {
    return new PoisonEntryError(`postgres ${code}: ${(error as Error).message}`, { cause: error })
  }
  return error
}

/**
 * `qualified_purchase_events` → totals in Postgres (once per event id) → the Redis leaderboard
 * mirror, plus at most one `results_calculation_update_events` entry per campaign per batch.
 */
export function reduceToLeaderboardActor(
  deps: Pick<ScoringDeps, 'db' | 'keys' | 'cache' | 'clock'>,
): ActorDefinition<QualifiedPurchase> {
  const { db, keys, cache, clock } = deps
  const toEffect = (totals: Total[], rejected: { id: string; error: string }[]): Effect => {
    const byCampaign = groupBy(totals, (t) => t.campaignId)
    const timestamp = new Date(clock.now()).toISOString()
    return {
      poison: rejected,
      commit: (tx) => {
        for (const [campaignId, list] of byCampaign) {
          queueLeaderboardUpdate(tx, keys, campaignId, list)
          tx.xadd(keys.resultsUpdates, '*', 'campaignId', campaignId, 'timestamp', timestamp)
        }
      },
    }
  }
  return {
    name: 'reduce-to-leaderboard',
    stream: keys.qualifiedPurchases,
    group: 'reduce-to-leaderboard',
    schema: QualifiedPurchase,
    options: { batchSize: 2000, concurrency: 2 },
    operate: (batches) =>
      batches.pipe(
        afterRefresh(cache.refresh),
        afterRefresh((batch) => cache.learnCampaigns(batch.map((e) => e.value.campaignId))),
        reduceToLeaderboard(() => cache.scoreContext()),
        concatMap(async (scored) => {
          const applied = await applyPurchases(db, scored.purchases).catch((error: unknown) => {
            throw asPoison(error)
          })
          const conflicts = applied.conflicts.map((p) => ({
            id: p.entryId,
            error: `event_id_conflict: event ${p.eventId} was counted for campaign ${p.campaignId} first with other values (user, amount, currency or time); this one is not counted`,
          }))
          return toEffect(applied.totals, [...scored.rejected, ...conflicts])
        }),
      ),
  }
}
