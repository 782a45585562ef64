import { map, type OperatorFunction } from 'rxjs'
import type { ScoredPurchase } from '../storage/postgres/purchase-total.repository.js'
import { convertToMinor } from './money.js'
import type { QualifiedPurchase } from './purchase-messages.js'

/** Rates to the base currency, by currency (the base currency itself is `1`). */
export interface RateTable {
  base: string
  rate(currency: string): string | undefined
}

/** A decoded `qualified_purchase_events` entry. */
export interface QualifiedEntry {
  id: string
  value: QualifiedPurchase
}

/** One batch ready to be added to the totals. */
export interface Scored {
  purchases: ScoredPurchase[]
  rejected: { id: string; error: string }[]
}

/**
 * Converts each purchase on its own to base-currency minor units (half-up, the rate kept with
 * it). The adding itself happens in Postgres, exactly once per (campaign, event id).
 */
export function reduceToLeaderboard(
  rates: () => RateTable,
): OperatorFunction<QualifiedEntry[], Scored> {
  return map((batch) => {
    const table = rates()
    const out: Scored = { purchases: [], rejected: [] }
    for (const { id, value: q } of batch) {
      const rate = table.rate(q.currency)
      if (rate === undefined) {
        out.rejected.push({ id, error: `currency: no rate for ${q.currency}` })
        continue
      }
      out.purchases.push({
        campaignId: q.campaignId,
        eventId: q.eventId,
        userId: q.userId,
        amount: q.amount,
        currency: q.currency,
        rate,
        amountMinor: convertToMinor(q.amount, rate, table.base),
        purchasedAt: new Date(q.timestamp),
      })
    }
    return out
  })
}
