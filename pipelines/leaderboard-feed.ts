import type { Redis } from 'ioredis'
import {
  Observable,
  ReplaySubject,
  concatMap,
  filter,
  from,
  share,
  takeUntil,
  throttleTime,
  asyncScheduler,
  type Subscription,
} from 'rxjs'
import { readTop, type Ranked } from '../storage/redis/leaderboard.js'
import type { Keys } from '../storage/redis/keys.js'
import {
  compareIds,
  firstStreamEntries,
  newestId,
  type StreamEntry,
} from '../storage/redis/streams.js'

/** One Server-Sent Event of a leaderboard. */
export interface FeedEvent {
  event: 'snapshot' | 'positions'
  id: string
  positions: Ranked[]
}

/** Live leaderboards for SSE clients: one blocking reader per process, shared by all clients. */
export interface LeaderboardFeed {
  /** A snapshot (or, when resuming after `lastEventId`, what changed since), then changes. */
  follow(campaignId: string, lastEventId?: string): Observable<FeedEvent>
  /** Completes every follower, now and later (the process is stopping: SSE responses end). */
  close(): void
}

/** Options of {@link createLeaderboardFeed}. */
export interface FeedOptions {
  /** Rows in a snapshot. @defaultValue 100 */
  size?: number
  /** At most one `positions` event per this many ms per client. @defaultValue 250 */
  coalesceMs?: number
}

/** Rows that are new or moved or changed total, compared with the previous view. */
function changed(before: Ranked[], after: Ranked[]): Ranked[] {
  const old = new Map(before.map((r) => [r.userId, r]))
  return after.filter((r) => {
    const o = old.get(r.userId)
    return o === undefined || o.position !== r.position || o.totalMinor !== r.totalMinor
  })
}

/** Creates the feed over `results_calculation_update_events`; `reader` is a dedicated connection. */
export function createLeaderboardFeed(
  redis: Redis,
  reader: Redis,
  keys: Keys,
  options: FeedOptions = {},
): LeaderboardFeed {
  const size = options.size ?? 100
  const coalesceMs = options.coalesceMs ?? 250

  const updates$ = new Observable<StreamEntry>((subscriber) => {
    let closed = false
    const loop = async () => {
      let last = '$'
      while (!closed) {
        const reply = await reader.xread(
          'COUNT',
          1000,
          'BLOCK',
          1000,
          'STREAMS',
          keys.resultsUpdates,
          last,
        )
        for (const entry of firstStreamEntries(reply)) {
          last = entry.id
          subscriber.next(entry)
        }
      }
    }
    loop().catch((error: unknown) => {
      if (!closed) subscriber.error(error)
    })
    return () => {
      closed = true
    }
  }).pipe(share())

  const lastUpdateId = async () => (await newestId(redis, keys.resultsUpdates)) ?? '0-0'

  const closed$ = new ReplaySubject<void>(1)

  return {
    close: () => {
      closed$.next()
      closed$.complete()
    },
    follow: (campaignId, lastEventId) =>
      new Observable<FeedEvent>((subscriber) => {
        let view: Ranked[] = []
        let lastId = lastEventId ?? '0-0'
        let live: Subscription | undefined
        const start = async () => {
          const [top, id] = await Promise.all([
            readTop(redis, keys, campaignId, size),
            lastUpdateId(),
          ])
          if (lastEventId === undefined) {
            subscriber.next({ event: 'snapshot', id, positions: top })
          } else if (compareIds(id, lastEventId) > 0) {
            // Resuming: the client's view is from before; send every row as changed.
            subscriber.next({ event: 'positions', id, positions: top })
          }
          view = top
          lastId = id
          live = updates$
            .pipe(
              filter((u) => u.fields.campaignId === campaignId && compareIds(u.id, lastId) > 0),
              throttleTime(coalesceMs, asyncScheduler, { leading: true, trailing: true }),
              concatMap((u) =>
                from(readTop(redis, keys, campaignId, size).then((rows) => ({ u, rows }))),
              ),
            )
            .subscribe({
              next: ({ u, rows }) => {
                const diff = changed(view, rows)
                view = rows
                lastId = u.id
                if (diff.length > 0)
                  subscriber.next({ event: 'positions', id: u.id, positions: diff })
              },
              error: (error: unknown) => {
                subscriber.error(error)
              },
            })
        }
        start().catch((error: unknown) => {
          subscriber.error(error)
        })
        return () => live?.unsubscribe()
      }).pipe(takeUntil(closed$)),
  }
}
