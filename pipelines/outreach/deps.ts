import type { Redis } from 'ioredis'
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { OutboundPolicy } from '../../operators/outbound.rules.js'
import type { PhoneRegion } from '../../operators/phone.rules.js'
import type { Database } from '../../storage/postgres/database.js'
import type { FileStore } from '../../storage/filestore.js'
import type { Keys } from '../../storage/redis/keys.js'
import type { Clock } from '../runtime/clock.js'
import type { Metrics } from '../runtime/metrics.js'

/** What the outreach job needs from the process. */
export interface OutreachDeps {
  db: Kysely<Database>
  redis: Redis
  keys: Keys
  clock: Clock
  logger: Logger
  files: FileStore
  /** Largest upload accepted, in bytes. */
  maxUploadBytes: number
  maxSlotsPerDay: number
  /** Where flow calls may go (`OUTBOUND_ALLOW`): checked when a URL is saved and at connect. */
  outbound: OutboundPolicy
  /** Reads phones written without `+` in E.164 (`PHONE_REGION`); unset: kept as written. */
  phoneRegion?: PhoneRegion | undefined
  /** Where the executor counts and times flow calls (a worker's metrics); unset: not counted. */
  metrics?: Pick<Metrics, 'flow'>
  /** Aborted when the worker process begins to stop: long work (a big upload) hands over. */
  stopping?: AbortSignal
}
