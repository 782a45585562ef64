import type { Generated, Selectable } from 'kysely'

/** `scored_purchase`: each purchase counted once per (campaign, event id), with the rate used. */
export interface ScoredPurchaseTable {
  campaign_id: string
  event_id: string
  user_id: string
  amount: string
  currency: string
  rate: string
  amount_minor: string
  purchased_at: Date
  scored_at: Generated<Date>
}
export type ScoredPurchaseRow = Selectable<ScoredPurchaseTable>
