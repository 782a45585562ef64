import type { Redis } from 'ioredis'
import { execAll, type Transaction } from './connection.js'
import type { Keys } from './keys.js'

/** A timer: at `dueMs` its fields are appended to the due stream. Ids make scheduling idempotent. */
export interface Timer {
  id: string
  dueMs: number
  fields: Record<string, string>
}

/** Queues timers (re-arming one with the same id replaces it). */
export function queueTimers(tx: Transaction, keys: Keys, timers: Timer[]): void {
  for (const timer of timers) {
    tx.zadd(keys.timers, timer.dueMs, timer.id)
    tx.hset(keys.timerPayloads, timer.id, JSON.stringify(timer.fields))
  }
}

/** Arms timers in one transaction. */
export async function scheduleTimers(redis: Redis, keys: Keys, timers: Timer[]): Promise<void> {
  if (timers.length === 0) return
  const tx = redis.multi()
  queueTimers(tx, keys, timers)
  await execAll(tx)
}

/** Moves up to `limit` timers due at `nowMs` into the due stream; returns how many moved. */
export async function moveDueTimers(
  redis: Redis,
  keys: Keys,
  nowMs: number,
  limit: number,
): Promise<number> {
  return redis.moveDueTimers(keys.timers, keys.timerPayloads, keys.timersDue, nowMs, limit)
}

/** When a timer is due, or undefined when it is not armed. */
export async function timerDue(redis: Redis, keys: Keys, id: string): Promise<number | undefined> {
  const score = await redis.zscore(keys.timers, id)
  return score === null ? undefined : Number(score)
}
