import type { Selectable } from 'kysely'

/** How the winner was separated from the runner-up. */
export type TieBreak = 'none' | 'reachedAt' | 'userId'

/** `campaign_winner`: decided once per campaign, before its prize transfer is published. */
export interface CampaignWinnerTable {
  campaign_id: string
  user_id: string
  total_minor: string
  decided_at: Date
  tie_break: TieBreak
}
export type CampaignWinnerRow = Selectable<CampaignWinnerTable>
