import type { ColumnType, Generated, Selectable } from 'kysely'

/** How one CSV column becomes one field of a request. */
export interface ColumnMapping {
  field: string
  handler: string
  required: boolean
  default?: string | undefined
  options: Record<string, unknown>
}

/** `replay_client`: a client whose offline rows are fired at its collection endpoint. */
export interface ReplayClientTable {
  name: string
  account_token: string
  /** The field the account token is sent in (query for GET, body for POST). */
  token_field: string
  target_url: string
  method: 'GET' | 'POST'
  mapping: ColumnType<Record<string, ColumnMapping>, string, string>
  /** The columns of the client's CSV template, in order; null: its mapped columns. */
  columns: ColumnType<string[] | null, string | null, string | null>
  rate_per_second: number
  timeout_ms: number
  max_attempts: number
  updated_by: string
  created_at: Generated<Date>
  updated_at: ColumnType<Date, Date | undefined, Date>
}
export type ReplayClientRow = Selectable<ReplayClientTable>
