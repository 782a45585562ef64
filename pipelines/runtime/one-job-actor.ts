import { concatMap } from 'rxjs'
import type { z } from 'zod'
import type { ActorDefinition, ActorOptions, Effect } from './actor-definition.js'

/** An actor that does one job a time (an upload, a phase, an export, a run). */
export interface OneJob<T> {
  /** The actor's name, and its consumer group's. */
  name: string
  stream: string
  schema: z.ZodType<T>
  /** Does the job of an entry; returns what it queues next (acked with the entry). */
  run: (value: T) => Promise<Effect>
  /** Records that the jobs of dead-lettered entries failed, with why (see {@link ActorDefinition}). */
  deadLettered: NonNullable<ActorDefinition<T>['deadLettered']>
  /** Tuning beyond one entry at a time, retried once in the process. */
  options?: Partial<ActorOptions>
  close?: () => Promise<void>
}

/**
 * The actor of a long job: one entry read at a time, and done before the next is read (its
 * entry stays pending meanwhile, so a worker that dies leaves it to be reclaimed); a job that
 * fails past its deliveries is recorded as failed.
 */
export function oneJobActor<T>(job: OneJob<T>): ActorDefinition<T> {
  return {
    name: job.name,
    stream: job.stream,
    group: job.name,
    schema: job.schema,
    options: { batchSize: 1, concurrency: 1, maxInFlight: 1, retries: 1, ...job.options },
    operate: concatMap(async ([entry]): Promise<Effect> =>
      entry === undefined ? {} : job.run(entry.value),
    ),
    deadLettered: job.deadLettered,
    ...(job.close === undefined ? {} : { close: job.close }),
  }
}
