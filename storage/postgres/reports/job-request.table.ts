import type { ColumnType, Selectable } from 'kysely'
import type { DatasetColumnType } from './dataset-column-type.js'

/** A JSON column read as `R` and written as its JSON text. */
type Json<R> = ColumnType<R, string, string>

/** The `batch_type_id` of self-service report exports. */
export const REPORT_BATCH_TYPE = 4

/** Where a job request is. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed'

/**
 * What a report run reads, fixed when the run is requested: the template's columns (with their
 * types, the design text's `dynamicColumns`), filters and sort as they were then, and whose
 * permissions it runs with.
 */
export interface ReportJobInput {
  templateId: string
  dynamicMapping: true
  dynamicColumns: { columnName: string; dataType: DatasetColumnType; label: string }[]
  /** The run's scheduled instant (ISO 8601): relative dates are resolved at it. */
  scheduledFor: string
  filters: { column: string; op: string; value?: unknown }[]
  sort: { column: string; direction: 'asc' | 'desc' }[]
  dataset: string
  name: string
  format: 'csv' | 'xlsx'
  /** CSV: open with a UTF-8 byte order mark. */
  bom: boolean
  /** The zone relative dates and the file's date are read in. */
  timezone: string
  /** The schedule that requested the run; absent for a run made now. */
  scheduleId?: string
  /** The owner's role as the template keeps it; their grants are read when the run starts. */
  runAs: { userId: string; admin: boolean }
}

/** One file of a report's output. */
export interface ReportPart {
  part: number
  fileStoreId: string
  name: string
  rows: number
  /** Numbers of the report's first and last data rows in this part (1-based, over all parts). */
  firstRow: number
  lastRow: number
  bytes: number
  sha256: string
}

/** A cell longer than a spreadsheet cell may hold (32,767 characters). */
export interface OversizedCell {
  row: number
  column: string
  length: number
}

/** A finished report's output: its parts and the total, which equals the dataset's count. */
export interface ReportManifest {
  format: 'csv' | 'xlsx'
  total: number
  parts: ReportPart[]
  /** Cells over the limit (the first 100); an XLSX part holds the first 32,767 characters. */
  oversizedCells: OversizedCell[]
  oversizedCellCount: number
}

/** `job_requests`: runs of batch jobs; self-service report exports have `batch_type_id` 4. */
export interface JobRequestTable {
  id: string
  batch_type_id: number
  owner: string
  template_id: string | null
  job_input: Json<ReportJobInput>
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>
  attempts: ColumnType<number, number | undefined, number>
  heartbeat_at: Date | null
  requeued_at: Date | null
  rows_written: ColumnType<string, string | undefined, string>
  /** Stored files of the parts the running attempt finished (removed if the attempt does not end). */
  part_files: ColumnType<string[], string[] | undefined, string[]>
  error: string | null
  job_output: ColumnType<ReportManifest | null, string | null | undefined, string | null>
  created_at: Date
  started_at: Date | null
  finished_at: Date | null
  expires_at: Date | null
  pruned_at: Date | null
}
export type JobRequestRow = Selectable<JobRequestTable>

/** `report_job_mapping`: which template (and schedule, for which instant) requested a job. */
export interface ReportJobMappingTable {
  job_request_id: string
  template_id: string
  schedule_id: string | null
  schedule_date: Date
  /** The `Idempotency-Key` of a run asked for now, unique per template. */
  idempotency_key: ColumnType<string | null, string | null | undefined, never>
}
