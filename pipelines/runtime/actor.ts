import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import {
  defaultIfEmpty,
  finalize,
  lastValueFrom,
  mergeMap,
  of,
  tap,
  type OperatorFunction,
} from 'rxjs'
import type { z } from 'zod'
import type { Kysely } from 'kysely'
import { isPostgresUnavailable, type Database } from '../../storage/postgres/database.js'
import {
  keepDeadLetters,
  type KeptDeadLetter,
} from '../../storage/postgres/dead-letter.repository.js'
import {
  execAll,
  isRedisUnavailable,
  logConnection,
  type Transaction,
} from '../../storage/redis/connection.js'
import { deadLetterEntry } from '../../storage/redis/dead-letter-entry.js'
import type { Keys } from '../../storage/redis/keys.js'
import { appendEntries, ensureGroup, flatten, touchPending } from '../../storage/redis/streams.js'
import { Credits } from './credits.js'
import { PoisonEntryError, StopRequestedError, errorMessage } from './errors.js'
import type { ActorMetrics } from './metrics.js'
import { readGroup, type Delivered, type ReadGroupOptions } from './read-group.js'
import { backoff, retry } from './retry.js'

/** A delivered entry whose fields decoded into `T`. */
export interface Decoded<T> extends Delivered {
  value: T
}

/** What an actor's operator chain yields for one batch. */
export interface Effect {
  /** Queues the batch's Redis outputs; they run in one MULTI with the acks. */
  commit?: (tx: Transaction) => void
  /** Entries that can never succeed; they are dead-lettered with the reason. */
  poison?: { id: string; error: string }[]
  /** Entry counts by outcome label for metrics; entries not named count as `ok`. */
  outcomes?: Record<string, number>
}

/** Tuning of one actor. */
export interface ActorOptions {
  /** @defaultValue 500 */
  batchSize: number
  /** @defaultValue 2000 */
  blockMs: number
  /** Entries in flight at most (read, not yet acked). @defaultValue 4 × batchSize */
  maxInFlight: number
  /** Batches processed at once. @defaultValue 2 */
  concurrency: number
  /** Idle time after which a pending entry is reclaimed. @defaultValue 30000 */
  visibilityTimeoutMs: number
  /** @defaultValue 5000 */
  reclaimEveryMs: number
  /** Deliveries after which an entry is dead-lettered. @defaultValue 5 */
  maxDeliveries: number
  /** In-process retries of a failed batch before it is split or left pending. @defaultValue 2 */
  retries: number
}

/** One consumer group on one input stream, running an operator chain. */
export interface ActorDefinition<T> {
  name: string
  stream: string
  group: string
  schema: z.ZodType<T>
  operate: OperatorFunction<Decoded<T>[], Effect>
  options?: Partial<ActorOptions>
  /** Releases what `operate` holds (connection pools, say) once the actor has stopped. */
  close?: () => Promise<void>
  /**
   * Records what giving up on entries means for their job (an upload that will not finish,
   * say), right before they move to the dead-letter stream; entries that did not decode are
   * left out. When it fails, the entries stay pending and are tried again.
   */
  deadLettered?: (entries: { value: T; error: string }[]) => Promise<void>
}

/** What an actor needs from the process. */
export interface ActorDeps {
  /** The shared connection for writes. */
  redis: Redis
  /** Where dead letters are kept beside their Redis stream. */
  db: Kysely<Database>
  keys: Keys
  logger: Logger
  metrics: ActorMetrics
}

/** A running actor. */
export interface RunningActor {
  name: string
  consumer: string
  /** Stops reading, finishes what is in flight, acks, and closes its connection. */
  stop(): Promise<void>
  /** Settles when the actor has stopped (rejects when it crashed). */
  done: Promise<void>
}

const defaults: ActorOptions = {
  batchSize: 500,
  blockMs: 2000,
  maxInFlight: 2000,
  concurrency: 2,
  visibilityTimeoutMs: 30_000,
  reclaimEveryMs: 5000,
  maxDeliveries: 5,
  retries: 2,
}

/** True for a failure of Postgres or Redis being unreachable, not of the entries. */
const isServiceUnavailable = (error: unknown) =>
  isPostgresUnavailable(error) || isRedisUnavailable(error)

/** A dead letter: the entry's original fields plus why, who and how often. */
function deadLetter(
  stream: string,
  entry: Delivered,
  error: string,
  actor: string,
): KeptDeadLetter {
  return {
    stream,
    sourceId: entry.id,
    fields: flatten(entry.fields),
    error,
    actor,
    attempts: entry.deliveries,
  }
}

/** Starts an actor: creates its group, then reads, operates and commits until stopped. */
export async function startActor<T>(
  definition: ActorDefinition<T>,
  deps: ActorDeps,
  overrides: Partial<ActorOptions> = {},
): Promise<RunningActor> {
  const options: ActorOptions = { ...defaults, ...definition.options, ...overrides }
  if (overrides.maxInFlight === undefined && definition.options?.maxInFlight === undefined) {
    options.maxInFlight = options.batchSize * options.concurrency * 2
  }
  const { name, stream, group } = definition
  const consumer = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`
  const logger = deps.logger.child({ actor: name, consumer })
  const { metrics, keys } = deps
  const errorsKey = keys.entryErrors(stream)
  await ensureGroup(deps.redis, stream, group)
  const reader = logConnection(deps.redis.duplicate(), logger.child({ connection: 'reader' }))
  const abort = new AbortController()
  const credits = new Credits(options.maxInFlight)

  const count = (outcome: string, n: number) => {
    if (n > 0) metrics.processed.inc({ actor: name, outcome }, n)
  }

  /** Acks `entries`; dead-letters `dead` in the same MULTI after the effect's outputs. */
  const commit = async (entries: Delivered[], effect: Effect, dead: Map<string, string>) => {
    if (dead.size > 0 && definition.deadLettered !== undefined) {
      const given: { value: T; error: string }[] = []
      for (const entry of entries) {
        const error = dead.get(entry.id)
        const parsed = error === undefined ? undefined : definition.schema.safeParse(entry.fields)
        if (error !== undefined && parsed?.success === true)
          given.push({ value: parsed.data, error })
      }
      if (given.length > 0) await definition.deadLettered(given)
    }
    const letters: KeptDeadLetter[] = []
    for (const entry of entries) {
      const reason = dead.get(entry.id)
      if (reason !== undefined) letters.push(deadLetter(stream, entry, reason, name))
    }
    // Kept in Postgres first: a crash before the MULTI leaves the entries pending, and their
    // next dead letter finds the row already there.
    await keepDeadLetters(deps.db, letters)
    const tx = deps.redis.multi()
    effect.commit?.(tx)
    appendEntries(tx, keys.dead(stream), letters.map(deadLetterEntry))
    tx.xack(stream, group, ...entries.map((e) => e.id))
    if (entries.some((e) => e.deliveries > 1)) tx.hdel(errorsKey, ...entries.map((e) => e.id))
    await execAll(tx)
    metrics.deadLetters.inc({ actor: name }, dead.size)
    count('dead', dead.size)
    let other = 0
    for (const [outcome, n] of Object.entries(effect.outcomes ?? {})) {
      count(outcome, n)
      other += n
    }
    count('ok', entries.length - dead.size - other)
  }

  /** Decodes, operates and commits the batch; throws when any step fails. */
  const attempt = async (entries: Delivered[], dead: Map<string, string>): Promise<void> => {
    const valid: Decoded<T>[] = []
    for (const entry of entries) {
      if (dead.has(entry.id)) continue
      const parsed = definition.schema.safeParse(entry.fields)
      if (parsed.success) valid.push({ ...entry, value: parsed.data })
      else
        dead.set(
          entry.id,
          parsed.error.issues.map((i) => `${i.path.join('.') || 'entry'}: ${i.message}`).join('; '),
        )
    }
    const effect =
      valid.length === 0
        ? {}
        : await lastValueFrom(of(valid).pipe(definition.operate, defaultIfEmpty({})))
    for (const poison of effect.poison ?? []) dead.set(poison.id, poison.error)
    await commit(entries, effect, dead)
  }

  /** Puts `entries` back at the end of the stream and acks them: a live consumer takes them now. */
  const requeue = async (entries: Delivered[]) => {
    const ids = entries.map((e) => e.id)
    const tx = deps.redis.multi()
    appendEntries(
      tx,
      stream,
      entries.map((e) => flatten(e.fields)),
    )
    tx.xack(stream, group, ...ids)
    tx.hdel(errorsKey, ...ids)
    await execAll(tx)
    count('requeued', entries.length)
    logger.info({ ids }, 'stopping: entries put back on the stream for another consumer')
  }

  /** Leaves `entries` pending with `error` as their last one, but those given up on in `dead`. */
  const leavePending = async (
    entries: Delivered[],
    error: unknown,
    dead: ReadonlyMap<string, string> = new Map(),
  ) => {
    logger.warn({ err: error, ids: entries.map((e) => e.id) }, 'batch left pending for retry')
    count('retry', entries.length)
    // An entry given up on keeps the error that made it fail, not that of its dead letter's commit.
    const fresh = entries.filter((e) => !dead.has(e.id))
    if (fresh.length === 0) return
    await deps.redis.hset(
      errorsKey,
      Object.fromEntries(fresh.map((e) => [e.id, errorMessage(error)])),
    )
  }

  /**
   * Tries `task` again, with growing pauses, while Postgres or Redis is unreachable: an outage
   * is no fault of the entries, so they neither run entry by entry nor gather deliveries
   * towards their dead letter meanwhile (their heartbeat keeps them), and the actor reads no
   * more than its credits allow. Returns undefined once `task` succeeds, or the error that
   * ended the wait: another one, or the last outage error when the actor is stopping.
   */
  const untilServiceAnswers = async (
    task: () => Promise<void>,
    first: unknown,
  ): Promise<unknown> => {
    let error = first
    let told = -Infinity
    for (let round = 0; !abort.signal.aborted; round++) {
      if (performance.now() - told >= 30_000) {
        logger.warn({ err: error }, 'postgres or redis unreachable; the batch waits for it')
        told = performance.now()
      }
      await sleep(backoff(round, 250, 10_000), undefined, { signal: abort.signal }).catch(
        () => undefined, // stopping
      )
      if (abort.signal.aborted) break
      try {
        await task()
        logger.info('service answers again; batch committed')
        return undefined
      } catch (again) {
        if (!isServiceUnavailable(again)) return again
        error = again
      }
    }
    return error
  }

  /** One batch, with failures isolated: retry, then entry by entry, then leave pending. */
  const handleBatch = async (entries: Delivered[]): Promise<void> => {
    const dead = new Map<string, string>()
    const redelivered = entries.filter((e) => e.deliveries > 1)
    metrics.redeliveries.inc({ actor: name }, redelivered.length)
    if (redelivered.length > 0) {
      const overLimit = redelivered.filter((e) => e.deliveries > options.maxDeliveries)
      const reasons =
        overLimit.length > 0 ? await deps.redis.hmget(errorsKey, ...overLimit.map((e) => e.id)) : []
      overLimit.forEach((e, i) => {
        dead.set(e.id, `gave up after ${e.deliveries} deliveries: ${reasons[i] ?? 'unknown error'}`)
      })
    }
    try {
      await retry(
        () => attempt(entries, new Map(dead)),
        options.retries,
        (e) => !(e instanceof PoisonEntryError) && !(e instanceof StopRequestedError),
      )
    } catch (failure) {
      const error = isServiceUnavailable(failure)
        ? await untilServiceAnswers(() => attempt(entries, new Map(dead)), failure)
        : failure
      if (error === undefined) return
      if (isServiceUnavailable(error)) {
        // Stopping during the outage: the entries stay pending for a consumer that runs on.
        await leavePending(entries, error, dead)
      } else if (error instanceof StopRequestedError) {
        await requeue(entries).catch((e: unknown) => leavePending(entries, e, dead))
      } else if (entries.length > 1) {
        for (const entry of entries) await handleBatch([entry])
      } else if (error instanceof PoisonEntryError && entries[0] !== undefined) {
        dead.set(entries[0].id, error.message)
        await commit(entries, {}, dead).catch((e: unknown) => leavePending(entries, e))
      } else {
        await leavePending(entries, error, dead)
      }
    }
  }

  // Entries read and not yet acked (or left pending). A heartbeat keeps them from looking
  // abandoned: without it, a batch that takes longer than the visibility timeout (a big
  // upload, slow flow calls) would be reclaimed and run again by another consumer, or by this
  // one, and dead-lettered after a few rounds although it was progressing.
  const inFlight = new Set<string>()
  const heartbeat = setInterval(
    () => {
      if (inFlight.size === 0) return
      touchPending(deps.redis, stream, group, consumer, [...inFlight]).catch((error: unknown) => {
        logger.warn({ err: error }, 'in-flight entries not kept; they may be reclaimed')
      })
    },
    Math.max(10, Math.floor(options.visibilityTimeoutMs / 3)),
  )
  heartbeat.unref()

  const processBatch = async (entries: Delivered[]): Promise<void> => {
    const started = performance.now()
    try {
      await handleBatch(entries)
    } catch (error) {
      // Even recording the failure failed (Redis down): the entries stay pending.
      logger.error({ err: error }, 'batch failed')
    } finally {
      for (const entry of entries) inFlight.delete(entry.id)
      credits.give(entries.length)
      metrics.duration.observe({ actor: name }, (performance.now() - started) / 1000)
      metrics.batchEntries.observe({ actor: name }, entries.length)
    }
  }

  const readOptions: ReadGroupOptions = {
    stream,
    group,
    consumer,
    batchSize: options.batchSize,
    blockMs: options.blockMs,
    minIdleMs: options.visibilityTimeoutMs,
    reclaimEveryMs: options.reclaimEveryMs,
  }
  const done = new Promise<void>((resolve, reject) => {
    readGroup(reader, readOptions, credits, abort.signal, (error) => {
      logger.warn({ err: error }, 'read failed; reading again')
    })
      .pipe(
        tap((batch) => {
          for (const entry of batch) inFlight.add(entry.id)
        }),
        mergeMap((batch) => processBatch(batch), options.concurrency),
        finalize(() => {
          clearInterval(heartbeat)
          reader.disconnect()
        }),
      )
      .subscribe({ error: reject, complete: resolve })
  })
  done.catch((error: unknown) => logger.error({ err: error }, 'actor stopped on an error'))
  const closed = done
    .catch(() => undefined)
    .then(() => definition.close?.())
    .catch((error: unknown) => logger.warn({ err: error }, 'actor resources not closed'))
  logger.info({ stream: keys.streamName(stream), group }, 'actor started')
  return {
    name,
    consumer,
    done,
    stop: async () => {
      abort.abort()
      await closed
      logger.info('actor stopped')
    },
  }
}
