import type { Redis } from 'ioredis'
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { OutboundPolicy } from '../../operators/outbound.rules.js'
import type { Database } from '../../storage/postgres/database.js'
import type { FileStore } from '../../storage/filestore.js'
import type { Keys } from '../../storage/redis/keys.js'
import type { Clock } from '../runtime/clock.js'
import type { Metrics } from '../runtime/metrics.js'

/** What the replayer needs from the process. */
export interface ReplayDeps {
  db: Kysely<Database>
  redis: Redis
  keys: Keys
  clock: Clock
  logger: Logger
  files: FileStore
  /** Largest file taken, in bytes (`MAX_UPLOAD_BYTES`). */
  maxUploadBytes: number
  /** Where requests may go (`OUTBOUND_ALLOW`): checked when a client is saved and at connect. */
  outbound: OutboundPolicy
  /** Where the replayer counts rows and requests; unset: not counted. */
  metrics?: Pick<Metrics, 'replay'>
  /** Aborted when the worker process begins to stop: a run being fired hands over. */
  stopping?: AbortSignal
  /** Retries' first delay (doubled each attempt, with jitter). @defaultValue 200 */
  retryBaseMs?: number
  /**
   * Days a dry run never fired may still be fired (`REPLAY_DRY_RUN_KEEP_DAYS`); its upload is
   * removed after. @defaultValue 7
   */
  dryRunKeepDays?: number
}
