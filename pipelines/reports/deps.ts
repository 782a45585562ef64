import type { Redis } from 'ioredis'
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Database } from '../../storage/postgres/database.js'
import type { FileStore } from '../../storage/filestore.js'
import type { Keys } from '../../storage/redis/keys.js'
import type { Clock } from '../runtime/clock.js'
import type { Metrics } from '../runtime/metrics.js'

/** How reports run and how long their outputs are kept. */
export interface ReportSettings {
  /** Data rows per output part (`REPORT_MAX_ROWS_PER_PART`); at most Excel's 1,048,575. */
  maxRowsPerPart: number
  /** Days an output is kept after its job ends (`REPORT_RETENTION_DAYS`). */
  retentionDays: number
  /** A running job whose heartbeat is older is taken over (`REPORT_STALL_SECONDS`). */
  stallSeconds: number
  /** Attempts of a job, takeovers and transient failures counted, before it fails (`REPORT_MAX_ATTEMPTS`). */
  maxAttempts: number
  /** Rows fetched from the cursor at once. */
  fetchRows: number
}

/** The settings when nothing is configured. */
export const DEFAULT_REPORT_SETTINGS: ReportSettings = {
  maxRowsPerPart: 1_048_575,
  retentionDays: 30,
  stallSeconds: 120,
  maxAttempts: 3,
  fetchRows: 2000,
}

/** What the report scheduler and its export worker need. */
export interface ReportsDeps {
  db: Kysely<Database>
  redis: Redis
  keys: Keys
  clock: Clock
  logger: Logger
  files: FileStore
  /** Money columns are in this currency's major units. */
  baseCurrency: string
  reports?: Partial<ReportSettings>
  /** Where exports count rows and jobs; unset: not counted. */
  metrics?: Pick<Metrics, 'reports'>
  /** Aborted when the worker process begins to stop: a running export hands its job over. */
  stopping?: AbortSignal
}

/** The settings of `deps`, with the defaults for those not given. */
export const reportSettings = (deps: Pick<ReportsDeps, 'reports'>): ReportSettings => ({
  ...DEFAULT_REPORT_SETTINGS,
  ...deps.reports,
})
