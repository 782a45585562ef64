import type { Redis } from 'ioredis'
import { execAll } from '../storage/redis/connection.js'
import { CONSUMED_STREAMS, type ConsumedStream, type Keys } from '../storage/redis/keys.js'
import { appendEntries, flatten, toEntries } from '../storage/redis/streams.js'

/** Fields the runtime adds to a dead letter; a replay strips them again. */
const ADDED = new Set(['error', 'actor', 'attempts', 'sourceId'])

/** A dead letter as listed to operators. */
export interface DeadLetter {
  id: string
  sourceId: string | undefined
  error: string | undefined
  actor: string | undefined
  attempts: number | undefined
  fields: Record<string, string>
}

/** True for the public name of a stream that has dead letters (one the actors read). */
export function isDeadLetterStream(name: string): name is ConsumedStream {
  return (CONSUMED_STREAMS as readonly string[]).includes(name)
}

function toDeadLetter(entry: { id: string; fields: Record<string, string> }): DeadLetter {
  const fields = Object.fromEntries(Object.entries(entry.fields).filter(([k]) => !ADDED.has(k)))
  const attempts = entry.fields.attempts
  return {
    id: entry.id,
    sourceId: entry.fields.sourceId,
    error: entry.fields.error,
    actor: entry.fields.actor,
    attempts: attempts === undefined ? undefined : Number(attempts),
    fields,
  }
}

/** Dead letters of a stream, oldest first, after the id `after` (exclusive). */
export async function listDeadLetters(
  redis: Redis,
  keys: Keys,
  stream: ConsumedStream,
  options: { after?: string | undefined; count?: number } = {},
): Promise<{ total: number; deadLetters: DeadLetter[] }> {
  const key = keys.dead(keys.stream(stream))
  const start = options.after === undefined ? '-' : `(${options.after}`
  const [total, raw] = await Promise.all([
    redis.xlen(key),
    redis.xrange(key, start, '+', 'COUNT', options.count ?? 100),
  ])
  return { total, deadLetters: toEntries(raw).map(toDeadLetter) }
}

/**
 * Puts dead letters back on their stream with their original fields (all, or those in `ids`)
 * and removes them from the dead-letter stream, a page of 500 per MULTI. Returns how many moved.
 */
export async function replayDeadLetters(
  redis: Redis,
  keys: Keys,
  stream: ConsumedStream,
  ids?: readonly string[],
): Promise<number> {
  const source = keys.stream(stream)
  const key = keys.dead(source)
  let moved = 0
  let after = '-'
  const wanted = ids === undefined ? undefined : new Set(ids)
  for (;;) {
    const page = toEntries(await redis.xrange(key, after, '+', 'COUNT', 500))
    if (page.length === 0) return moved
    const chosen = wanted === undefined ? page : page.filter((e) => wanted.has(e.id))
    if (chosen.length > 0) {
      const tx = redis.multi()
      appendEntries(
        tx,
        source,
        chosen.map((e) => flatten(toDeadLetter(e).fields)),
      )
      tx.xdel(key, ...chosen.map((e) => e.id))
      await execAll(tx)
      moved += chosen.length
    }
    after = `(${page[page.length - 1]?.id ?? '0-0'}`
  }
}

/**
 * Deletes the dead letters `ids` of a stream for good (entries that no fix will make valid),
 * 500 ids per `XDEL`. Returns how many existed and were deleted.
 */
export async function discardDeadLetters(
  redis: Redis,
  keys: Keys,
  stream: ConsumedStream,
  ids: readonly string[],
): Promise<number> {
  const key = keys.dead(keys.stream(stream))
  let deleted = 0
  for (let i = 0; i < ids.length; i += 500) {
    deleted += await redis.xdel(key, ...ids.slice(i, i + 500))
  }
  return deleted
}
