import type { Redis } from 'ioredis'
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { OperatorFunction } from 'rxjs'
import type { z } from 'zod'
import type { Database } from '../../storage/postgres/database.js'
import type { Transaction } from '../../storage/redis/connection.js'
import type { Keys } from '../../storage/redis/keys.js'
import type { ActorMetrics } from './metrics.js'
import type { Delivered } from './read-group.js'

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

/** The tuning of an actor that names none. */
export const defaults: ActorOptions = {
  batchSize: 500,
  blockMs: 2000,
  maxInFlight: 2000,
  concurrency: 2,
  visibilityTimeoutMs: 30_000,
  reclaimEveryMs: 5000,
  maxDeliveries: 5,
  retries: 2,
}
