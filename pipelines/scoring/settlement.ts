import type { Redis } from 'ioredis'
import { entryTime, groupInfos, oldestPending, toEntries } from '../../storage/redis/streams.js'

/** True while `group` still has entries of `stream` added before `cutoffMs` to process. */
export async function hasOutstandingBefore(
  redis: Redis,
  stream: string,
  group: string,
  cutoffMs: number,
): Promise<boolean> {
  const end = String(cutoffMs - 1)
  if ((await redis.exists(stream)) === 0) return false
  const groups = await groupInfos(redis, stream)
  const info = groups.find((g) => g.name === group)
  if (info === undefined)
    return toEntries(await redis.xrange(stream, '-', end, 'COUNT', 1)).length > 0
  const pending = await oldestPending(redis, stream, group)
  if (pending !== null && entryTime(pending) < cutoffMs) return true
  const lastDelivered = String(info['last-delivered-id'])
  const next = await redis.xrange(stream, `(${lastDelivered}`, end, 'COUNT', 1)
  return toEntries(next).length > 0
}

/** Redis server time in milliseconds (stream ids are stamped with it). */
export async function redisTime(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time()
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
}
