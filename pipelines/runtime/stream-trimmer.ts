import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { acknowledgedBefore, entryTime, newestId, trimBefore } from '../../storage/redis/streams.js'
import { startGuardedLoop, type Loop } from './loop.js'

/** Which streams to trim, and how. */
export interface StreamTrimOptions {
  /**
   * Streams read through consumer groups: entries every group has acknowledged go. A stream
   * without a group is left alone (its readers have not started yet).
   */
  consumed: readonly string[]
  /**
   * Streams written for outside readers: trimmed as `consumed` while they have consumer
   * groups; without one, entries more than `retentionMs` older than the newest go.
   */
  published: readonly string[]
  retentionMs: number
}

/** Entries of published streams without a group older than this (relative to the newest) go. */
async function retentionPoint(
  redis: Redis,
  stream: string,
  retentionMs: number,
): Promise<string | undefined> {
  const newest = await newestId(redis, stream)
  if (newest === undefined) return undefined
  const before = entryTime(newest) - retentionMs
  return before > 0 ? `${before}-0` : undefined
}

/**
 * One pass over the streams: deletes what no reader needs any more, so Redis holds what is in
 * flight (and the retention of published streams), not every entry ever written. Safe to run
 * in any number of processes: groups only move forward, so a point computed a moment ago is
 * still safe. Returns the entries deleted per stream; a stream that fails does not keep the
 * others from being trimmed (the failures are thrown together at the end).
 */
export async function trimStreams(
  redis: Redis,
  options: StreamTrimOptions,
): Promise<Map<string, number>> {
  const trimmed = new Map<string, number>()
  const failures: unknown[] = []
  const trim = async (stream: string, point: () => Promise<string | undefined>) => {
    try {
      const before = await point()
      if (before !== undefined) trimmed.set(stream, await trimBefore(redis, stream, before))
    } catch (error) {
      failures.push(error)
    }
  }
  for (const stream of options.consumed) await trim(stream, () => acknowledgedBefore(redis, stream))
  for (const stream of options.published) {
    await trim(
      stream,
      async () =>
        (await acknowledgedBefore(redis, stream)) ??
        (await retentionPoint(redis, stream, options.retentionMs)),
    )
  }
  if (failures.length > 0) throw new AggregateError(failures, 'some streams were not trimmed')
  return trimmed
}

/** Runs {@link trimStreams} now and every `everyMs` until stopped. */
export function startStreamTrimmer(
  deps: { redis: Redis; logger: Logger },
  options: StreamTrimOptions & { everyMs: number },
): Loop {
  return startGuardedLoop(
    deps.logger,
    'stream trim',
    async () => {
      const trimmed = await trimStreams(deps.redis, options)
      const total = [...trimmed.values()].reduce((a, b) => a + b, 0)
      if (total > 0) deps.logger.debug({ trimmed: Object.fromEntries(trimmed) }, 'streams trimmed')
      return true
    },
    options.everyMs,
  )
}
