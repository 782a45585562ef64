import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import { defaultIfEmpty, lastValueFrom, of } from 'rxjs'
import {
  keepDeadLetters,
  type KeptDeadLetter,
} from '../../storage/postgres/dead-letter.repository.js'
import { execAll } from '../../storage/redis/connection.js'
import { deadLetterEntry } from '../../storage/redis/dead-letter-entry.js'
import { appendEntries, flatten } from '../../storage/redis/streams.js'
import type {
  ActorDefinition,
  ActorDeps,
  ActorOptions,
  Decoded,
  Effect,
} from './actor-definition.js'
import { errorClass, errorMessage } from './errors.js'
import type { Delivered } from './read-group.js'
import { backoff, retry } from './retry.js'

/** What handling an actor's batches needs. */
export interface BatchContext<T> {
  definition: ActorDefinition<T>
  deps: ActorDeps
  options: ActorOptions
  logger: Logger
  /** Aborted when the actor stops. */
  signal: AbortSignal
}

/** True for a failure of Postgres or Redis being unreachable, not of the entries. */
const isServiceUnavailable = (error: unknown) => errorClass(error) === 'outage'

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

/**
 * The handling of one batch, with failures isolated: decode, operate and commit; retry, then
 * entry by entry, then leave pending or dead-letter, by the class of the error.
 */
export function batchHandler<T>(ctx: BatchContext<T>): (entries: Delivered[]) => Promise<void> {
  const { definition, deps, options, logger, signal } = ctx
  const { name, stream, group } = definition
  const { metrics, keys } = deps
  const errorsKey = keys.entryErrors(stream)

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
    for (let round = 0; !signal.aborted; round++) {
      if (performance.now() - told >= 30_000) {
        logger.warn({ err: error }, 'postgres or redis unreachable; the batch waits for it')
        told = performance.now()
      }
      await sleep(backoff(round, 250, 10_000), undefined, { signal: signal }).catch(
        () => undefined, // stopping
      )
      if (signal.aborted) break
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
        (e) => !['permanent', 'stop'].includes(errorClass(e)),
      )
    } catch (failure) {
      const error = isServiceUnavailable(failure)
        ? await untilServiceAnswers(() => attempt(entries, new Map(dead)), failure)
        : failure
      if (error === undefined) return
      if (isServiceUnavailable(error)) {
        // Stopping during the outage: the entries stay pending for a consumer that runs on.
        await leavePending(entries, error, dead)
      } else if (errorClass(error) === 'stop') {
        await requeue(entries).catch((e: unknown) => leavePending(entries, e, dead))
      } else if (entries.length > 1) {
        for (const entry of entries) await handleBatch([entry])
      } else if (errorClass(error) === 'permanent' && entries[0] !== undefined) {
        dead.set(entries[0].id, errorMessage(error))
        await commit(entries, {}, dead).catch((e: unknown) => leavePending(entries, e))
      } else {
        await leavePending(entries, error, dead)
      }
    }
  }

  return handleBatch
}
