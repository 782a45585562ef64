import type { ColumnType, Generated, Selectable } from 'kysely'

/** How often a schedule runs, as stored (its zone is a column of its own). */
export type StoredScheduleSpec =
  | { frequency: 'daily'; time: string }
  | { frequency: 'weekly'; time: string; dayOfWeek: number }
  | { frequency: 'monthly'; time: string; dayOfMonth: number | 'last' }
  | { frequency: 'cron'; cron: string }

/** `report_schedule`: when a template runs. */
export interface ReportScheduleTable {
  id: string
  template_id: string
  owner: string
  spec: ColumnType<StoredScheduleSpec, string, string>
  timezone: string
  /** The next scheduled instant (as of the last change or run). */
  next_run_at: Date
  /** The scheduled instant of the last run made; null before the first. */
  last_run_at: Date | null
  paused_at: Date | null
  created_at: Generated<Date>
}
export type ReportScheduleRow = Selectable<ReportScheduleTable>
