import { readFileSync } from 'node:fs'
import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis'
import type { Logger } from 'pino'

const lua = (name: string) => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8')

/** The Lua scripts of `storage/redis/lua/`, registered on every connection. */
const scripts = {
  moveDueTimers: { numberOfKeys: 3, lua: lua('move-due-timers') },
  publishOnce: { numberOfKeys: 2, lua: lua('publish-once') },
  leaderboardUpdate: { numberOfKeys: 2, lua: lua('leaderboard-update') },
  rateReserve: { numberOfKeys: 1, lua: lua('rate-reserve') },
  appendEntries: { numberOfKeys: 1, lua: lua('append-entries') },
  touchPending: { numberOfKeys: 1, lua: lua('touch-pending') },
} as const

type ScriptArg = string | number
type ScriptName = keyof typeof scripts

declare module 'ioredis' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- must match ioredis's declaration to merge
  interface RedisCommander<Context> {
    moveDueTimers(
      due: string,
      payloads: string,
      stream: string,
      ...args: ScriptArg[]
    ): Promise<number>
    publishOnce(marker: string, stream: string, ...args: ScriptArg[]): Promise<string | null>
    leaderboardUpdate(zset: string, members: string, ...args: ScriptArg[]): Promise<number>
    rateReserve(budget: string, ...args: ScriptArg[]): Promise<number[]>
    appendEntries(stream: string, ...args: ScriptArg[]): Promise<number>
    touchPending(stream: string, ...args: ScriptArg[]): Promise<number>
  }
  interface ChainableCommander {
    moveDueTimers(
      due: string,
      payloads: string,
      stream: string,
      ...args: ScriptArg[]
    ): ChainableCommander
    publishOnce(marker: string, stream: string, ...args: ScriptArg[]): ChainableCommander
    leaderboardUpdate(zset: string, members: string, ...args: ScriptArg[]): ChainableCommander
    appendEntries(stream: string, ...args: ScriptArg[]): ChainableCommander
  }
}

/** A Redis connection with this project's scripts defined; `lazyConnect` off, retries forever. */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, ...options })
  for (const name of Object.keys(scripts) as ScriptName[]) {
    redis.defineCommand(name, scripts[name])
  }
  return redis
}

/** How long a request's Redis command may wait for its answer. */
const REQUEST_COMMAND_TIMEOUT_MS = 5000

/**
 * A connection for request handlers: while Redis is unreachable its commands fail at once (no
 * offline queue, no retry), and one unanswered for 5 s fails, so a client gets 503 instead of
 * waiting. Workers keep {@link createRedis}, whose commands wait for Redis to come back.
 */
export function createRequestRedis(url: string): Redis {
  return createRedis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REQUEST_COMMAND_TIMEOUT_MS,
  })
}

/** Messages of ioredis errors that mean the command never reached Redis or got no answer. */
const UNAVAILABLE =
  /enableOfflineQueue options is false|^Connection is closed|^Command timed out|max retries per request/i

/** True for an error of a Redis command that could not reach Redis (or got no answer). */
export function isRedisUnavailable(error: unknown): boolean {
  return error instanceof Error && UNAVAILABLE.test(error.message)
}

/** How a connection's trouble is reported. */
export interface ConnectionReport {
  /** The connection failed (`since` errors since the last report, this one included). */
  failed(error: Error, since: number): void
  /** It is ready again after failing. */
  restored(): void
}

/**
 * Reports `redis`'s connection errors (ioredis emits one per reconnect attempt, printing them
 * itself when no one listens) at most once per `everyMs` while they last, and the recovery.
 * Commands meanwhile wait (`maxRetriesPerRequest: null`) or fail on their own. Returns `redis`.
 */
export function reportConnection(redis: Redis, report: ConnectionReport, everyMs = 30_000): Redis {
  let lastReport = -Infinity
  let since = 0
  let failing = false
  redis.on('error', (error: Error) => {
    since++
    failing = true
    const now = performance.now()
    if (now - lastReport < everyMs) return
    report.failed(error, since)
    lastReport = now
    since = 0
  })
  redis.on('ready', () => {
    if (!failing) return
    failing = false
    since = 0
    lastReport = -Infinity
    report.restored()
  })
  return redis
}

/**
 * {@link reportConnection} into `logger`: `redis connection failing` (warn, with the error and
 * how many since the last line) and `redis connection restored` (info).
 */
export function logConnection(redis: Redis, logger: Logger): Redis {
  return reportConnection(redis, {
    failed: (error, since) => logger.warn({ err: error, since }, 'redis connection failing'),
    restored: () => logger.info('redis connection restored'),
  })
}

/** One transaction's queued commands. */
export type Transaction = ChainableCommander

/**
 * Runs a transaction and throws the first command error it reports (ioredis resolves EXEC with
 * each command's error instead of rejecting). Returns each command's result.
 */
export async function execAll(tx: Transaction): Promise<unknown[]> {
  const results = (await tx.exec()) ?? []
  const failed = results.find(([error]) => error !== null)
  if (failed?.[0]) throw failed[0]
  return results.map(([, value]) => value)
}
