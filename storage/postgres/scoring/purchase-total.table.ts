import type { Selectable } from 'kysely'

/** `purchase_total`: spend per (campaign, user) in base minor units; `reached_at` ranks ties. */
export interface PurchaseTotalTable {
  campaign_id: string
  user_id: string
  total_minor: string
  /** The purchase moment at which the current total was reached. */
  reached_at: Date
}
export type PurchaseTotalRow = Selectable<PurchaseTotalTable>
