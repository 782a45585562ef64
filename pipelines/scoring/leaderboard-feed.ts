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
import { readTop, type Ranked } from '../../storage/redis/leaderboard.js'
import type { Keys } from '../../storage/redis/keys.js'
import {
  compareIds,
  newestId,
  streamEntries,
  toEntries,
  type StreamEntry,
} from '../../storage/redis/streams.js'

/**
 * One Server-Sent Event of a leaderboard: its rows (with the id to resume after), or word that
 * the campaign's winner was decided (no id: it is not a place to resume from).
 */
export type FeedEvent =
  { event: 'snapshot' | 'positions'; id: string; positions: Ranked[] } | { event: 'winner' }

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

/**
 * Creates the feed over `results_calculation_update_events` and `prize_transfers`; `reader` is a
 * dedicated connection.
 */
export function createLeaderboardFeed(
  redis: Redis,
  reader: Redis,
  keys: Keys,
  options: FeedOptions = {},
): LeaderboardFeed {
  const size = options.size ?? 100
  const coalesceMs = options.coalesceMs ?? 250

  const closed$ = new ReplaySubject<void>(1)
  // Leaderboard changes and prize transfers (a winner decided), read together. Once started,
  // the reader keeps reading until the feed closes, also while no client follows: a reader
  // stopped and started again would lose what its last read returned.
  const updates$ = new Observable<StreamEntry & { stream: string }>((subscriber) => {
    let closed = false
    const loop = async () => {
      const last = new Map([
        [keys.resultsUpdates, '$'],
        [keys.prizeTransfers, '$'],
      ])
      while (!closed) {
        const reply = await reader.xread(
          'COUNT',
          1000,
          'BLOCK',
          1000,
          'STREAMS',
          ...last.keys(),
          ...last.values(),
        )
        for (const [stream, entries] of streamEntries(reply)) {
          for (const entry of entries) {
            last.set(stream, entry.id)
            subscriber.next({ ...entry, stream })
          }
        }
      }
    }
    loop().catch((error: unknown) => {
      if (!closed) subscriber.error(error)
    })
    return () => {
      closed = true
    }
  }).pipe(takeUntil(closed$), share({ resetOnRefCountZero: false }))

  const lastUpdateId = async () => (await newestId(redis, keys.resultsUpdates)) ?? '0-0'

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
        let winners: Subscription | undefined
        const start = async () => {
          const [top, id, prizeId] = await Promise.all([
            readTop(redis, keys, campaignId, size),
            lastUpdateId(),
            newestId(redis, keys.prizeTransfers),
          ])
          if (lastEventId === undefined) {
            subscriber.next({ event: 'snapshot', id, positions: top })
          } else if (compareIds(id, lastEventId) > 0) {
            // Resuming: the client's view is from before; send every row as changed.
            subscriber.next({ event: 'positions', id, positions: top })
          }
          view = top
          lastId = id
          winners = updates$
            .pipe(
              filter((u) => u.stream === keys.prizeTransfers && u.fields.campaignId === campaignId),
            )
            .subscribe(() => {
              subscriber.next({ event: 'winner' })
            })
          // A transfer written before the shared reader got going would be missed: look back.
          const since = toEntries(
            await redis.xrange(
              keys.prizeTransfers,
              prizeId === undefined ? '-' : `(${prizeId}`,
              '+',
            ),
          )
          if (since.some((e) => e.fields.campaignId === campaignId))
            subscriber.next({ event: 'winner' })
          live = updates$
            .pipe(
              filter(
                (u) =>
                  u.stream === keys.resultsUpdates &&
                  u.fields.campaignId === campaignId &&
                  compareIds(u.id, lastId) > 0,
              ),
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
        return () => {
          live?.unsubscribe()
          winners?.unsubscribe()
        }
      }).pipe(takeUntil(closed$)),
  }
}
