import type { Redis } from 'ioredis'
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { OutboundPolicy } from '../../operators/outbound.rules.js'
import type { Database } from '../../storage/postgres/database.js'
import type { FileStore } from '../../storage/filestore.js'
import type { Keys } from '../../storage/redis/keys.js'
import type { Clock } from '../runtime/clock.js'
import type { Metrics } from '../runtime/metrics.js'

/** How the factory calls target services. */
export interface FactoryTargets {
  /** Base URL per resource type (`FACTORY_TARGET_<TYPE>_URL`); others use the built-in registry. */
  urls: Readonly<Record<string, string>>
  /** Rows per `_create` call. @defaultValue 100 */
  batch: number
  /** Attempts per row before a transient failure becomes FAILED. @defaultValue 5 */
  maxAttempts: number
  /** How long one call may take. @defaultValue 10000 */
  timeoutMs: number
  /** First retry delay; doubled each attempt, with full jitter. @defaultValue 200 */
  backoffBaseMs: number
  /** Longest retry delay. @defaultValue 10000 */
  backoffMaxMs: number
}

/** The targets' tuning when nothing is configured. */
export const DEFAULT_TARGETS: FactoryTargets = {
  urls: {},
  batch: 100,
  maxAttempts: 5,
  timeoutMs: 10_000,
  backoffBaseMs: 200,
  backoffMaxMs: 10_000,
}

/** What the project factory needs from the process. */
export interface FactoryDeps {
  db: Kysely<Database>
  redis: Redis
  keys: Keys
  clock: Clock
  logger: Logger
  files: FileStore
  /** Largest file kept, in bytes (annotated sheets and templates too). */
  maxUploadBytes: number
  /** Where target calls may go (`OUTBOUND_ALLOW`): checked when configured and at connect. */
  outbound: OutboundPolicy
  targets?: Partial<FactoryTargets>
  /** Where the factory counts rows and times target calls; unset: not counted. */
  metrics?: Pick<Metrics, 'factory'>
  /** Aborted when the worker process begins to stop: long work hands over. */
  stopping?: AbortSignal
}
