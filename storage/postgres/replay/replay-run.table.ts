import type { ColumnType, Selectable } from 'kysely'
import type { ColumnMapping } from './replay-client.table.js'

/** Where a replay run is. */
export type ReplayRunStatus =
  'validating' | 'firing' | 'writing' | 'completed' | 'refused' | 'failed'

/** The five output files of a run, by type. */
export type ReplayOutputs = Record<
  'requests' | 'responses' | 'requests-validated' | 'warnings' | 'exceptions',
  { fileStoreId: string; name: string; bytes: number; sha256: string }
>

/** What a run keeps of its client. */
export interface ReplayClientConfig {
  accountToken: string
  tokenField: string
  targetUrl: string
  method: 'GET' | 'POST'
  mapping: Record<string, ColumnMapping>
  ratePerSecond: number
  timeoutMs: number
  maxAttempts: number
}

type Count = ColumnType<number, number | undefined, number>

/** `replay_run`: one file of rows fired (or, dry, only validated) for a client. */
export interface ReplayRunTable {
  id: string
  client: string
  dry_run: boolean
  status: ReplayRunStatus
  /** Unique per run: it names the output files, so runs on one day never collide. */
  token: string
  file_store_id: string
  file_sha256: string
  /** The client as it was when the run was made: its rows are mapped and fired by it. */
  client_config: ColumnType<ReplayClientConfig, string, string>
  /** The dry run whose validated rows a live run fires. */
  source_run_id: string | null
  max_exception_rate: string
  forced: boolean
  rate_per_second: number | null
  rows: Count
  valid: Count
  warnings: Count
  exceptions: Count
  fired: Count
  succeeded: Count
  failed: Count
  from_date: string | null
  to_date: string | null
  outputs: ColumnType<ReplayOutputs | null, string | null | undefined, string | null>
  error: string | null
  created_by: string
  created_at: Date
  finished_at: Date | null
  /** The caller's `Idempotency-Key` of the request that made it. */
  idempotency_key: ColumnType<string | null, string | null | undefined, never>
  /** When `replay_completed` was published for it (a live run that completed). */
  published_at: ColumnType<Date | null, Date | null | undefined, Date | null>
}
export type ReplayRunRow = Selectable<ReplayRunTable>

/** A warning or exception of a row, as the output files list them. */
export interface RowNote {
  kind: 'warning' | 'exception'
  column: string
  handler: string
  code?: string
  message: string
}

/** `replay_row`: a row of a run while it lasts. */
export interface ReplayRowTable {
  run_id: string
  row: number
  status: 'valid' | 'exception' | 'succeeded' | 'failed'
  payload: ColumnType<Record<string, unknown> | null, string | null, string | null>
  notes: ColumnType<RowNote[], string, string>
  event_date: string | null
  attempts: Count
  http_status: number | null
  elapsed_ms: number | null
  response: string | null
}
export type ReplayRowRow = Selectable<ReplayRowTable>
