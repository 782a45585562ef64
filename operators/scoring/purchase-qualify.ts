import { map, type OperatorFunction } from 'rxjs'

/** A purchase as qualifying reads it (a decoded `purchase_events` entry). */
export interface Purchase {
  userId: string
  itemId: string
  amount: string
  currency: string
  /** Milliseconds since the epoch. */
  timestamp: number
  eventId?: string | undefined
}

/** One purchase counted for one campaign (a `qualified_purchase_events` entry). */
export interface QualifiedPurchase {
  eventId: string
  userId: string
  campaignId: string
  amount: string
  currency: string
  timestamp: number
}

/** A purchase campaign's window: it counts purchases of `itemId` in `[startMs, endMs)`. */
export interface CampaignWindow {
  campaignId: string
  itemId: string
  startMs: number
  endMs: number
}

/** The purchase campaigns that can count purchases, plus the currencies that have a rate. */
export interface QualifyContext {
  windows: ReadonlyMap<string, readonly CampaignWindow[]>
  hasRate(currency: string): boolean
  /** Whether any purchase campaign, open or closed, was about the item. */
  hadCampaign?(itemId: string): boolean
}

/** A decoded `purchase_events` entry. */
export interface PurchaseEntry {
  id: string
  value: Purchase
}

/** Why a well-formed purchase counted for nothing. */
export type SkipReason = 'no_campaign_for_item' | 'outside_campaign_window'

/** The outcome of qualifying one batch. */
export interface Qualified {
  qualified: QualifiedPurchase[]
  skipped: { id: string; reason: SkipReason }[]
  rejected: { id: string; error: string }[]
}

/** Qualifies one purchase against the windows; a purchase may count for several campaigns. */
export function qualify(
  entry: PurchaseEntry,
  context: QualifyContext,
): QualifiedPurchase[] | SkipReason {
  const p = entry.value
  const windows = context.windows.get(p.itemId) ?? []
  // An item whose campaigns are all over (decided or revoked) has a campaign: the purchase
  // came after its window.
  if (windows.length === 0)
    return context.hadCampaign?.(p.itemId) === true
      ? 'outside_campaign_window'
      : 'no_campaign_for_item'
  const eventId = p.eventId ?? entry.id
  const matching = windows.filter((w) => w.startMs <= p.timestamp && p.timestamp < w.endMs)
  if (matching.length === 0) return 'outside_campaign_window'
  return matching.map((w) => ({
    eventId,
    userId: p.userId,
    campaignId: w.campaignId,
    amount: p.amount,
    currency: p.currency,
    timestamp: p.timestamp,
  }))
}

/**
 * Qualifies each batch of purchases against the campaigns `context()` returns at that moment.
 * A currency without a rate rejects the purchase (it is dead-lettered, replayable later).
 */
export function purchaseQualify(
  context: () => QualifyContext,
): OperatorFunction<PurchaseEntry[], Qualified> {
  return map((batch) => {
    const ctx = context()
    const out: Qualified = { qualified: [], skipped: [], rejected: [] }
    for (const entry of batch) {
      if (!ctx.hasRate(entry.value.currency)) {
        out.rejected.push({ id: entry.id, error: `currency: no rate for ${entry.value.currency}` })
        continue
      }
      const result = qualify(entry, ctx)
      if (typeof result === 'string') out.skipped.push({ id: entry.id, reason: result })
      else out.qualified.push(...result)
    }
    return out
  })
}
