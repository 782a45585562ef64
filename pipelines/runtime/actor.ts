import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { finalize, mergeMap, tap } from 'rxjs'
import { logConnection } from '../../storage/redis/connection.js'
import { ensureGroup, touchPending } from '../../storage/redis/streams.js'
import {
  defaults,
  type ActorDefinition,
  type ActorDeps,
  type ActorOptions,
  type RunningActor,
} from './actor-definition.js'
import { batchHandler } from './batch-handler.js'
import { Credits } from './credits.js'
import { readGroup, type Delivered, type ReadGroupOptions } from './read-group.js'

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
  await ensureGroup(deps.redis, stream, group)
  const reader = logConnection(deps.redis.duplicate(), logger.child({ connection: 'reader' }))
  const abort = new AbortController()
  const credits = new Credits(options.maxInFlight)

  const handleBatch = batchHandler({ definition, deps, options, logger, signal: abort.signal })

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
