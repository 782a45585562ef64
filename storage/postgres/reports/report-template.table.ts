import type { ColumnType, Generated, Selectable } from 'kysely'

/** A JSON column read as `R` and written as its JSON text. */
type Json<R> = ColumnType<R, string, string>

/** `report_template`: a user's report over one dataset. */
export interface ReportTemplateTable {
  id: string
  owner: string
  /** Whether the owner had the admin role when the template was last saved: its runs see every campaign. */
  owner_admin: boolean
  name: string
  dataset: string
  columns: Json<{ column: string; label?: string }[]>
  filters: Json<{ column: string; op: string; value?: unknown }[]>
  sort: Json<{ column: string; direction: 'asc' | 'desc' }[]>
  format: 'csv' | 'xlsx'
  /** CSV outputs open with a UTF-8 byte order mark. */
  bom: ColumnType<boolean, boolean | undefined, boolean>
  created_at: Generated<Date>
  updated_at: Generated<Date>
}
export type ReportTemplateRow = Selectable<ReportTemplateTable>

/** `campaign_viewer`: a campaign a user may see in reports. */
export interface CampaignViewerTable {
  campaign_id: string
  user_id: string
  granted_by: string
  granted_at: Generated<Date>
}
