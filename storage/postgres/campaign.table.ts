import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

/** Campaign kinds; each job owns one. */
export type CampaignType = 'purchase' | 'outreach' | 'project'

/** Life of a campaign as the lifecycle actor moves it along. */
export type CampaignStatus = 'Scheduled' | 'Running' | 'Ended' | 'Cancelled'

/** `campaign`: one row per campaign of any job. */
export interface CampaignTable {
  id: Generated<string>
  type: CampaignType
  item_id: string | null
  prize_minor: string | null
  prize_currency: string | null
  start_at: Date
  end_at: Date
  status: Generated<CampaignStatus>
  created_by: string
  created_at: Generated<Date>
  /** When the `Start` lifecycle event was committed; null until then. */
  started_at: Date | null
  /** When the `End` lifecycle event was committed; null until then. */
  ended_at: Date | null
  settings: ColumnType<Record<string, unknown>, string | undefined, string>
  /** When an outreach campaign was paused (no task released or called meanwhile); null when not. */
  paused_at: ColumnType<Date | null, Date | null | undefined, Date | null>
  /** Who paused it. */
  paused_by: ColumnType<string | null, string | null | undefined, string | null>
}
export type CampaignRow = Selectable<CampaignTable>
export type NewCampaignRow = Insertable<CampaignTable>
export type CampaignUpdate = Updateable<CampaignTable>
