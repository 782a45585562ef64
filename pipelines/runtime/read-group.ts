import type { Redis } from 'ioredis'
import { Observable } from 'rxjs'
import {
  deliveryCounts,
  ensureGroup,
  firstStreamEntries,
  toEntries,
} from '../../storage/redis/streams.js'
import type { Credits } from './credits.js'

/** An entry as an actor receives it, with how often it has been delivered. */
export interface Delivered {
  id: string
  fields: Record<string, string>
  deliveries: number
}

/** Where to read and how much at once. */
export interface ReadGroupOptions {
  stream: string
  group: string
  consumer: string
  batchSize: number
  blockMs: number
  /** Entries pending this long with any consumer are claimed (XAUTOCLAIM). */
  minIdleMs: number
  /** How often to look for entries to reclaim. */
  reclaimEveryMs: number
}

/**
 * A blocking read that returns fewer entries than this is topped up at once, without blocking.
 * Redis answers a blocked reader as soon as the first entry of a burst is added (the first
 * `XADD` of a producer's pipeline), so at a steady rate reads came back with one entry and the
 * rest of the burst followed as a second batch, each paying its round trips and its Postgres
 * statement. The top-up costs one round trip and makes them one batch: at 5,000 events/s in
 * `bench/scoring.ts`, Postgres CPU per event 72–78 → 42–62 µs and the workers' 168–180 → 136–180
 * µs, in alternating runs.
 */
const SHORT_READ = 16

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })

/**
 * Batches of a consumer group, pulled only while `credits` allow: first this consumer's own
 * pending entries (from id 0), then new entries ('>'), with an XAUTOCLAIM pass every
 * `reclaimEveryMs` for entries of consumers that died. A read that fails is reported to
 * `onReadError` and tried again (see `recover`); the batches end only when `signal` aborts.
 * `reader` must be a dedicated connection: it blocks.
 */
export function readGroup(
  reader: Redis,
  options: ReadGroupOptions,
  credits: Credits,
  signal: AbortSignal,
  onReadError: (error: unknown) => void,
): Observable<Delivered[]> {
  const { stream, group, consumer, batchSize } = options

  const withCounts = async (entries: { id: string; fields: Record<string, string> }[]) => {
    const counts = await deliveryCounts(
      reader,
      stream,
      group,
      entries.map((e) => e.id),
    )
    return entries.map((e) => ({ ...e, deliveries: counts.get(e.id) ?? 1 }))
  }

  /** XREADGROUP from `after` ('>' for new entries, an id for this consumer's pending ones). */
  const read = async (after: string, count: number, block?: number) => {
    const reply =
      block === undefined
        ? await reader.xreadgroup(
            'GROUP',
            group,
            consumer,
            'COUNT',
            count,
            'STREAMS',
            stream,
            after,
          )
        : await reader.xreadgroup(
            'GROUP',
            group,
            consumer,
            'COUNT',
            count,
            'BLOCK',
            block,
            'STREAMS',
            stream,
            after,
          )
    return firstStreamEntries(reply)
  }

  const own = async (after: string, count: number) => withCounts(await read(after, count))

  const reclaim = async (cursor: string, count: number) => {
    const [next, raw] = (await reader.xautoclaim(
      stream,
      group,
      consumer,
      options.minIdleMs,
      cursor,
      'COUNT',
      count,
    )) as [string, unknown, unknown]
    return { next, entries: await withCounts(toEntries(raw)) }
  }

  const fresh = async (count: number): Promise<Delivered[]> => {
    let entries = await read('>', count, options.blockMs)
    if (entries.length > 0 && entries.length < Math.min(count, SHORT_READ))
      entries = entries.concat(await read('>', count - entries.length))
    return entries.map((e) => ({ ...e, deliveries: 1 }))
  }

  /**
   * After a failed read: when the stream or its group is gone (Redis restarted empty, the key
   * was deleted) the group is made again, from the start of whatever the stream holds by then;
   * otherwise (Redis unreachable, say) the next read waits a second.
   */
  const recover = async (error: unknown): Promise<'group made again' | 'waited'> => {
    const message = error instanceof Error ? error.message : ''
    if (/^(NOGROUP|UNBLOCKED)/.test(message)) {
      try {
        await ensureGroup(reader, stream, group)
        return 'group made again'
      } catch (again) {
        onReadError(again)
      }
    }
    await sleep(1000, signal)
    return 'waited'
  }

  return new Observable<Delivered[]>((subscriber) => {
    const loop = async () => {
      let ownCursor: string | undefined = '0'
      let reclaimCursor = '0-0'
      let nextReclaim = Date.now() + options.reclaimEveryMs
      while (!signal.aborted && !subscriber.closed) {
        const count = await credits.take(batchSize, signal)
        if (signal.aborted) break
        let batch: Delivered[]
        try {
          if (ownCursor !== undefined) {
            batch = await own(ownCursor, count)
            ownCursor = batch.length < count ? undefined : batch[batch.length - 1]?.id
          } else if (Date.now() >= nextReclaim) {
            const claimed = await reclaim(reclaimCursor, count)
            batch = claimed.entries
            reclaimCursor = claimed.next
            if (reclaimCursor === '0-0') nextReclaim = Date.now() + options.reclaimEveryMs
          } else {
            batch = await fresh(count)
          }
        } catch (error) {
          credits.give(count)
          if (signal.aborted) break
          onReadError(error)
          if ((await recover(error)) === 'group made again') {
            ownCursor = undefined
            reclaimCursor = '0-0'
          }
          continue
        }
        credits.give(count - batch.length)
        if (batch.length > 0) subscriber.next(batch)
        else if (ownCursor === undefined && reader.status !== 'ready') await sleep(100, signal)
      }
      subscriber.complete()
    }
    loop().catch((error: unknown) => {
      subscriber.error(error)
    })
  })
}
