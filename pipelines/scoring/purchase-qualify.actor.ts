import { map } from 'rxjs'
import { afterRefresh } from '../../operators/after-refresh.js'
import { PurchaseEvent, qualifiedFields } from './messages.js'
import { purchaseQualify, type Qualified } from '../../operators/scoring/purchase-qualify.js'
import { appendEntries } from '../../storage/redis/streams.js'
import type { ActorDefinition, Effect } from '../runtime/actor-definition.js'
import type { ScoringDeps } from './deps.js'

/** `purchase_events` → `qualified_purchase_events`, one entry per campaign a purchase counts for. */
export function purchaseQualifyActor(
  deps: Pick<ScoringDeps, 'keys' | 'cache'>,
): ActorDefinition<PurchaseEvent> {
  const { keys, cache } = deps
  const toEffect = (result: Qualified): Effect => {
    const outcomes: Record<string, number> = { qualified: 0 }
    for (const { reason } of result.skipped)
      outcomes[`skipped_${reason}`] = (outcomes[`skipped_${reason}`] ?? 0) + 1
    return {
      poison: result.rejected,
      outcomes,
      commit: (tx) => {
        appendEntries(tx, keys.qualifiedPurchases, result.qualified.map(qualifiedFields))
      },
    }
  }
  return {
    name: 'purchase-qualify',
    stream: keys.purchaseEvents,
    group: 'purchase-qualify',
    schema: PurchaseEvent,
    options: { batchSize: 2000, concurrency: 2 },
    operate: (batches) =>
      batches.pipe(
        afterRefresh(cache.refresh),
        purchaseQualify(() => cache.qualifyContext()),
        map(toEffect),
      ),
  }
}
