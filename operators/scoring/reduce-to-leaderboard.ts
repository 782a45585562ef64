import { map, type OperatorFunction } from 'rxjs'
import { convertToMinor, formatMinor, MAX_PURCHASE_MINOR } from '../money.rules.js'
import type { QualifiedPurchase } from './purchase-qualify.js'

/** A purchase converted to the base currency, ready to be added to its campaign's totals. */
export interface ScoredPurchase {
  /** The stream entry it came from. */
  entryId: string
  campaignId: string
  eventId: string
  userId: string
  amount: string
  currency: string
  /** The rate it was converted at. */
  rate: string
  amountMinor: bigint
  purchasedAt: Date
}

/** What scoring a batch needs to know at that moment. */
export interface ScoreContext {
  /** The base currency. */
  base: string
  /** The rate of one unit of `currency` in the base currency (the base itself is `1`). */
  rate(currency: string): string | undefined
  /** Whether `campaignId` is a purchase campaign. */
  isCampaign(campaignId: string): boolean
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
 * it). The adding itself happens in Postgres, exactly once per (campaign, event id). Purchases
 * of no purchase campaign, in a currency without a rate, or over {@link MAX_PURCHASE_MINOR} are
 * rejected with the reason.
 */
export function reduceToLeaderboard(
  context: () => ScoreContext,
): OperatorFunction<QualifiedEntry[], Scored> {
  return map((batch) => {
    const ctx = context()
    const out: Scored = { purchases: [], rejected: [] }
    for (const { id, value: q } of batch) {
      if (!ctx.isCampaign(q.campaignId)) {
        out.rejected.push({ id, error: `campaignId: no purchase campaign ${q.campaignId}` })
        continue
      }
      const rate = ctx.rate(q.currency)
      if (rate === undefined) {
        out.rejected.push({ id, error: `currency: no rate for ${q.currency}` })
        continue
      }
      const amountMinor = convertToMinor(q.amount, rate, ctx.base)
      if (amountMinor > MAX_PURCHASE_MINOR) {
        const max = formatMinor(MAX_PURCHASE_MINOR, ctx.base)
        out.rejected.push({
          id,
          error: `amount_over_maximum: ${q.amount} ${q.currency} is over the maximum of ${max} ${ctx.base} per purchase`,
        })
        continue
      }
      out.purchases.push({
        entryId: id,
        campaignId: q.campaignId,
        eventId: q.eventId,
        userId: q.userId,
        amount: q.amount,
        currency: q.currency,
        rate,
        amountMinor,
        purchasedAt: new Date(q.timestamp),
      })
    }
    return out
  })
}
