import type { Redis } from 'ioredis'
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Database } from '../../storage/postgres/database.js'
import type { Keys } from '../../storage/redis/keys.js'
import type { Clock } from '../runtime/clock.js'
import type { ScoringCache } from './cache.js'

/** What the purchase-scoring job needs from the process. */
export interface ScoringDeps {
  db: Kysely<Database>
  redis: Redis
  keys: Keys
  clock: Clock
  logger: Logger
  cache: ScoringCache
  baseCurrency: string
  /** Seconds after a campaign's end before its winner is decided. */
  settleSeconds: number
}
