import type { Selectable } from 'kysely'

/** How the winner was separated from the runner-up. */
export type TieBreak = 'none' | 'reachedAt' | 'userId'

/** `campaign_winner`: decided once per campaign; `prize_published_at` set once it went out. */
export interface CampaignWinnerTable {
  campaign_id: string
  user_id: string
  total_minor: string
  decided_at: Date
  tie_break: TieBreak
  prize_published_at: Date | null
}
export type CampaignWinnerRow = Selectable<CampaignWinnerTable>
