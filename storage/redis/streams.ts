import type { Redis } from 'ioredis'
import type { Transaction } from './connection.js'

/** One stream entry with its fields as an object. */
export interface StreamEntry {
  id: string
  fields: Record<string, string>
}

type RawEntry = [id: string, fields: string[] | null]

/** Turns a `[id, [field, value, …]]` list (XRANGE, XREADGROUP, XAUTOCLAIM) into entries. */
export function toEntries(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return []
  const entries: StreamEntry[] = []
  for (const item of raw as RawEntry[]) {
    const [id, flat] = item
    if (flat === null) continue // deleted while pending (Redis < 7 reports it this way)
    const fields: Record<string, string> = {}
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string
    entries.push({ id, fields })
  }
  return entries
}

/** Entries of the first stream in an XREAD/XREADGROUP reply. */
export function firstStreamEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return []
  const first = reply[0] as [string, unknown] | undefined
  return first === undefined ? [] : toEntries(first[1])
}

/** A stream entry id as Redis writes it (`1795410681243-0`). */
export const ENTRY_ID = /^\d+-\d+$/

/** The entries of an XREAD reply over several streams, by stream key. */
export function streamEntries(reply: unknown): Map<string, StreamEntry[]> {
  const out = new Map<string, StreamEntry[]>()
  if (!Array.isArray(reply)) return out
  for (const [key, raw] of reply as [string, unknown][]) out.set(key, toEntries(raw))
  return out
}

/** The millisecond part of a stream entry id. */
export function entryTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')))
}

/** Field/value pairs as one flat argument list for XADD. */
export function flatten(fields: Record<string, string>): string[] {
  return Object.entries(fields).flat()
}

/** Entries per script call: bounds one call's arguments and how long Redis spends in it. */
const APPEND_PAGE = 1000

/**
 * Queues `entries` (each a flat field/value list) for `stream`, many per call of the
 * append-entries script: for the client that costs about a third of one XADD per entry.
 */
export function appendEntries(tx: Transaction, stream: string, entries: readonly string[][]): void {
  for (let start = 0; start < entries.length; start += APPEND_PAGE) {
    const args: string[] = []
    for (const fields of entries.slice(start, start + APPEND_PAGE)) {
      args.push(String(fields.length))
      for (const arg of fields) args.push(arg)
    }
    void tx.appendEntries(stream, ...args)
  }
}

/** Ids per `touchPending` script call. */
const TOUCH_PAGE = 1000

/**
 * Resets the idle time of those of `ids` still pending with `consumer`, so that no one
 * reclaims entries it is still working on; their delivery counts stay. Returns how many.
 */
export async function touchPending(
  redis: Redis,
  stream: string,
  group: string,
  consumer: string,
  ids: readonly string[],
): Promise<number> {
  let touched = 0
  for (let start = 0; start < ids.length; start += TOUCH_PAGE)
    touched += await redis.touchPending(
      stream,
      group,
      consumer,
      ...ids.slice(start, start + TOUCH_PAGE),
    )
  return touched
}

/** Creates a consumer group (and the stream) unless it exists; `BUSYGROUP` is success. */
export async function ensureGroup(
  redis: Redis,
  stream: string,
  group: string,
  startId = '0',
): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, startId, 'MKSTREAM')
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('BUSYGROUP')) throw error
  }
}

/** Delivery counts of pending entries, by id (XPENDING over the id range of `ids`). */
export async function deliveryCounts(
  redis: Redis,
  stream: string,
  group: string,
  ids: string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  const first = ids[0]
  const last = ids[ids.length - 1]
  if (first === undefined || last === undefined) return counts
  const reply = (await redis.xpending(stream, group, first, last, ids.length)) as [
    string,
    string,
    number,
    number,
  ][]
  for (const [id, , , deliveries] of reply) counts.set(id, deliveries)
  return counts
}

/** XINFO GROUPS of a stream as objects (`name`, `pending`, `last-delivered-id`, `lag`, …). */
export async function groupInfos(redis: Redis, stream: string): Promise<Record<string, unknown>[]> {
  const reply = (await redis.xinfo('GROUPS', stream)) as unknown[][]
  return reply.map((flat) => {
    const info: Record<string, unknown> = {}
    for (let i = 0; i + 1 < flat.length; i += 2) info[String(flat[i])] = flat[i + 1]
    return info
  })
}

/** Orders two stream entry ids (`ms-seq`): negative when `a` comes first, 0 when equal. */
export function compareIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number)
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number)
  return aMs - bMs || aSeq - bSeq
}

/** The id of the oldest entry pending in `group` (XPENDING summary), or null when none is. */
export async function oldestPending(
  redis: Redis,
  stream: string,
  group: string,
): Promise<string | null> {
  const [, oldest] = (await redis.xpending(stream, group)) as [number, string | null]
  return oldest
}

/** The id of the newest entry of `stream`, or undefined when it holds none. */
export async function newestId(redis: Redis, stream: string): Promise<string | undefined> {
  return toEntries(await redis.xrevrange(stream, '+', '-', 'COUNT', 1))[0]?.id
}

/**
 * The id before which every consumer group of `stream` has acknowledged every entry: for each
 * group its oldest pending entry or, with none pending, its last delivered one; the lowest of
 * those. Undefined when the stream has no consumer group (or does not exist).
 */
export async function acknowledgedBefore(
  redis: Redis,
  stream: string,
): Promise<string | undefined> {
  if ((await redis.exists(stream)) === 0) return undefined
  let lowest: string | undefined
  for (const info of await groupInfos(redis, stream)) {
    const pending =
      Number(info.pending) > 0 ? await oldestPending(redis, stream, String(info.name)) : null
    const point = pending ?? String(info['last-delivered-id'])
    if (lowest === undefined || compareIds(point, lowest) < 0) lowest = point
  }
  return lowest
}

/**
 * Deletes the entries before `minId` (XTRIM MINID ~, in steps of at most `step` entries so
 * Redis never blocks long); returns how many went. Whole internal nodes go, so a few entries
 * before `minId` may stay.
 */
export async function trimBefore(
  redis: Redis,
  stream: string,
  minId: string,
  step = 100_000,
): Promise<number> {
  let total = 0
  for (;;) {
    const trimmed = await redis.xtrim(stream, 'MINID', '~', minId, 'LIMIT', step)
    total += trimmed
    if (trimmed === 0) return total
  }
}

/** Deletes every key that starts with `prefix` (SCAN, never KEYS). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    if (found.length > 0) await redis.unlink(...found)
  } while (cursor !== '0')
}
