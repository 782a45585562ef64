import type { Redis } from 'ioredis'
import { Gauge } from 'prom-client'
import type { Keys } from '../../storage/redis/keys.js'
import { entryTime, groupInfos, oldestPending, toEntries } from '../../storage/redis/streams.js'
import type { Clock } from './clock.js'
import { PREFIX, oncePerScrape, type Metrics } from './metrics.js'

interface GroupState {
  stream: string
  group: string
  lag: number
  pending: number
  lagSeconds: number
}

interface StreamState {
  lengths: Map<string, number>
  groups: GroupState[]
}

async function readGroupState(
  redis: Redis,
  key: string,
  stream: string,
  info: Record<string, unknown>,
  now: number,
): Promise<GroupState> {
  const group = String(info.name)
  const lastDelivered = String(info['last-delivered-id'])
  const [pending, next] = await Promise.all([
    oldestPending(redis, key, group),
    redis.xrange(key, `(${lastDelivered}`, '+', 'COUNT', 1),
  ])
  const oldest = [pending, toEntries(next)[0]?.id]
    .filter((id): id is string => typeof id === 'string')
    .map(entryTime)
  const lagSeconds = oldest.length === 0 ? 0 : Math.max(0, now - Math.min(...oldest)) / 1000
  const lag = info.lag === null ? toEntries(next).length : Number(info.lag)
  return { stream, group, lag, pending: Number(info.pending), lagSeconds }
}

async function readStreamState(
  redis: Redis,
  keys: Keys,
  streams: readonly string[],
  clock: Clock,
): Promise<StreamState> {
  const lengths = new Map<string, number>()
  const groups: GroupState[] = []
  const now = clock.now()
  for (const key of streams) {
    const stream = keys.streamName(key)
    const length = await redis.xlen(key)
    lengths.set(stream, length)
    // Only streams the actors read have dead letters.
    if (keys.consumedStreams.includes(key))
      lengths.set(keys.streamName(keys.dead(key)), await redis.xlen(keys.dead(key)))
    if (length === 0 && !(await redis.exists(key))) continue
    for (const info of await groupInfos(redis, key)) {
      groups.push(await readGroupState(redis, key, stream, info, now))
    }
  }
  return { lengths, groups }
}

/**
 * Registers the per-stream gauges (length, lag in entries and seconds, pending), read from
 * Redis when `/metrics` is scraped, so any process (HTTP only, say) reports every stream: by
 * default every stream the actors read and every published one.
 */
export function registerStreamGauges(
  metrics: Metrics,
  redis: Redis,
  keys: Keys,
  clock: Clock,
  streams: readonly string[] = [...keys.consumedStreams, ...keys.publishedStreams],
): void {
  // One Redis read per scrape, shared by the gauges; undefined when Redis did not answer, so
  // the rest of /metrics is still served (without the stream series, and redis_up 0).
  const state = oncePerScrape(() => readStreamState(redis, keys, streams, clock))
  const registers = [metrics.registry]
  new Gauge({
    name: `${PREFIX}redis_up`,
    help: 'Whether Redis answered the stream reads of this scrape (1) or not (0)',
    registers,
    async collect() {
      this.set((await state()) === undefined ? 0 : 1)
    },
  })
  new Gauge({
    name: `${PREFIX}stream_length_entries`,
    help: 'Entries in the stream (XLEN)',
    labelNames: ['stream'],
    registers,
    async collect() {
      this.reset()
      for (const [stream, length] of (await state())?.lengths ?? []) this.set({ stream }, length)
    },
  })
  const groupGauge = (name: string, help: string, pick: (g: GroupState) => number) =>
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      labelNames: ['stream', 'group'],
      registers,
      async collect() {
        this.reset()
        for (const g of (await state())?.groups ?? [])
          this.set({ stream: g.stream, group: g.group }, pick(g))
      },
    })
  groupGauge(
    'stream_lag_entries',
    'Entries not yet delivered to the group (XINFO lag)',
    (g) => g.lag,
  )
  groupGauge('stream_pending_entries', 'Entries delivered but not acknowledged', (g) => g.pending)
  groupGauge(
    'stream_lag_seconds',
    'Age of the oldest undelivered or pending entry',
    (g) => g.lagSeconds,
  )
}
