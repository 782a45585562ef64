import type { Redis } from 'ioredis'
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { OutboundPolicy } from '../operators/outbound.rules.js'
import type { PhoneRegion } from '../operators/phone.rules.js'
import type { LeaderboardFeed } from '../pipelines/scoring/leaderboard-feed.js'
import type { Clock } from '../pipelines/runtime/clock.js'
import type { Metrics } from '../pipelines/runtime/metrics.js'
import type { FileStore } from '../storage/filestore.js'
import type { Database } from '../storage/postgres/database.js'
import type { Keys } from '../storage/redis/keys.js'

/** What the HTTP layer needs. */
export interface AppDeps {
  db: Kysely<Database>
  redis: Redis
  keys: Keys
  clock: Clock
  logger: Logger
  metrics: Metrics
  feed: LeaderboardFeed
  jwtSecret: string
  baseCurrency: string
  settleSeconds: number
  files: FileStore
  maxUploadBytes: number
  maxSlotsPerDay: number
  /** Where outgoing calls may go (`OUTBOUND_ALLOW`), for the URLs requests save. */
  outbound: OutboundPolicy
  /** Reads phones written without `+` in E.164 (`PHONE_REGION`); unset: kept as written. */
  phoneRegion?: PhoneRegion | undefined
  /** How often a quiet SSE stream sends a keep-alive comment. @defaultValue 15000 */
  sseKeepAliveMs?: number
  /** Report schedules may not run more often than this (`REPORT_MIN_INTERVAL_MINUTES`). @defaultValue 60 */
  reportMinIntervalMinutes?: number
  /** Browser origins allowed by CORS (`*` for any); empty: no CORS headers. */
  corsOrigins?: readonly string[]
  /** Days a replay dry run may be fired after it ended (`REPLAY_DRY_RUN_KEEP_DAYS`). @defaultValue 7 */
  dryRunKeepDays?: number
}
