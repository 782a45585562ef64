import type { Redis } from 'ioredis'
import type { Kysely } from 'kysely'
import type { Database } from '../storage/postgres/database.js'
import {
  forgetDeadLetters,
  keepDeadLetters,
  keptDeadLetters,
} from '../storage/postgres/dead-letter.repository.js'
import { execAll } from '../storage/redis/connection.js'
import {
  deadLetterEntry,
  fromDeadLetterEntry,
  originalFields,
} from '../storage/redis/dead-letter-entry.js'
import { CONSUMED_STREAMS, type ConsumedStream, type Keys } from '../storage/redis/keys.js'
import { appendEntries, toEntries, type StreamEntry } from '../storage/redis/streams.js'

/** Where dead letters are: their Redis streams, and Postgres, which keeps them all. */
export interface DeadLetterDeps {
  redis: Redis
  keys: Keys
  db: Kysely<Database>
}

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

function toDeadLetter(entry: StreamEntry): DeadLetter {
  const attempts = entry.fields.attempts
  return {
    id: entry.id,
    sourceId: entry.fields.sourceId,
    error: entry.fields.error,
    actor: entry.fields.actor,
    attempts: attempts === undefined ? undefined : Number(attempts),
    fields: originalFields(entry),
  }
}

/** Dead letters of a stream, oldest first, after the id `after` (exclusive). */
export async function listDeadLetters(
  deps: Pick<DeadLetterDeps, 'redis' | 'keys'>,
  stream: ConsumedStream,
  options: { after?: string | undefined; count?: number } = {},
): Promise<{ total: number; deadLetters: DeadLetter[] }> {
  const key = deps.keys.dead(deps.keys.stream(stream))
  const start = options.after === undefined ? '-' : `(${options.after}`
  const [total, raw] = await Promise.all([
    deps.redis.xlen(key),
    deps.redis.xrange(key, start, '+', 'COUNT', options.count ?? 100),
  ])
  return { total, deadLetters: toEntries(raw).map(toDeadLetter) }
}

/** The entries of a dead-letter stream, a page of 500 at a time, oldest first. */
async function* deadLetterPages(redis: Redis, key: string): AsyncGenerator<StreamEntry[]> {
  let after = '-'
  for (;;) {
    const page = toEntries(await redis.xrange(key, after, '+', 'COUNT', 500))
    if (page.length === 0) return
    yield page
    after = `(${page[page.length - 1]?.id ?? '0-0'}`
  }
}

/**
 * Puts dead letters back on their stream with their original fields (all, or those in `ids`)
 * and removes them from the dead-letter stream, a page of 500 per MULTI, then from Postgres.
 * Returns how many moved.
 */
export async function replayDeadLetters(
  deps: DeadLetterDeps,
  stream: ConsumedStream,
  ids?: readonly string[],
): Promise<number> {
  const source = deps.keys.stream(stream)
  const key = deps.keys.dead(source)
  let moved = 0
  const wanted = ids === undefined ? undefined : new Set(ids)
  for await (const page of deadLetterPages(deps.redis, key)) {
    const chosen = (wanted === undefined ? page : page.filter((e) => wanted.has(e.id))).map(
      (entry) => ({ id: entry.id, letter: fromDeadLetterEntry(source, entry) }),
    )
    if (chosen.length === 0) continue
    const tx = deps.redis.multi()
    appendEntries(
      tx,
      source,
      chosen.map((c) => c.letter.fields),
    )
    tx.xdel(key, ...chosen.map((c) => c.id))
    await execAll(tx)
    // After the move: a failure here leaves a row that a rebuild would list again, and a
    // second replay of it is harmless (every effect is idempotent); the other order could lose it.
    await forgetDeadLetters(
      deps.db,
      source,
      chosen.map((c) => c.letter.sourceId),
    )
    moved += chosen.length
  }
  return moved
}

/**
 * Deletes the dead letters `ids` of a stream for good (entries that no fix will make valid),
 * from Redis and then from Postgres, 500 ids at a time. Returns how many existed and were
 * deleted.
 */
export async function discardDeadLetters(
  deps: DeadLetterDeps,
  stream: ConsumedStream,
  ids: readonly string[],
): Promise<number> {
  const source = deps.keys.stream(stream)
  const key = deps.keys.dead(source)
  let deleted = 0
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500)
    const read = deps.redis.pipeline()
    for (const id of chunk) read.xrange(key, id, id)
    const found = (await execAll(read)).flatMap((raw) => toEntries(raw))
    if (found.length === 0) continue
    deleted += await deps.redis.xdel(key, ...found.map((e) => e.id))
    await forgetDeadLetters(
      deps.db,
      source,
      found.map((e) => fromDeadLetterEntry(source, e).sourceId),
    )
  }
  return deleted
}

/** What {@link restoreDeadLetters} did. */
export interface RestoredDeadLetters {
  /** Put back into a Redis dead-letter stream from Postgres. */
  restored: number
  /** Found only in Redis (dead-lettered before Postgres kept them) and now kept there too. */
  kept: number
}

/**
 * Makes every dead-letter stream and Postgres hold the same dead letters: those Postgres keeps
 * and Redis lost (it restarted empty, say) are appended again, oldest first, and those only in
 * Redis are kept in Postgres. Safe to run any number of times; an entry dead-lettered while it
 * runs may be listed twice (a replay of both is harmless: every effect is idempotent).
 */
export async function restoreDeadLetters(deps: DeadLetterDeps): Promise<RestoredDeadLetters> {
  const result: RestoredDeadLetters = { restored: 0, kept: 0 }
  for (const name of CONSUMED_STREAMS) {
    const source = deps.keys.stream(name)
    const key = deps.keys.dead(source)
    const inRedis = new Set<string>()
    for await (const page of deadLetterPages(deps.redis, key)) {
      const letters = page.map((entry) => fromDeadLetterEntry(source, entry))
      result.kept += await keepDeadLetters(deps.db, letters)
      for (const letter of letters) inRedis.add(letter.sourceId)
    }
    for await (const kept of keptDeadLetters(deps.db, source)) {
      const missing = kept.filter((letter) => !inRedis.has(letter.sourceId))
      if (missing.length === 0) continue
      const tx = deps.redis.multi()
      appendEntries(tx, key, missing.map(deadLetterEntry))
      await execAll(tx)
      result.restored += missing.length
    }
  }
  return result
}
