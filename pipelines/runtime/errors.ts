import { isPostgresUnavailable } from '../../storage/postgres/postgres-errors.js'
import { isRedisUnavailable } from '../../storage/redis/connection.js'

/** The entry can never be processed: dead-letter it now, without retries. */
export class PoisonEntryError extends Error {
  override name = 'PoisonEntryError'
}

/** Processing failed for a reason that may pass (a service down): leave pending, retry later. */
export class TransientError extends Error {
  override name = 'TransientError'
}

/**
 * The process is stopping in the middle of a long entry (a big upload): the runtime puts the
 * entry back on its stream and acks it, so a live consumer takes it over at once. Only for
 * operators whose effects are idempotent, as they all must be.
 */
export class StopRequestedError extends Error {
  override name = 'StopRequestedError'
}

/** The message of any thrown value, for logs and dead letters. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * How the runtime treats a failed batch: `permanent` (a {@link PoisonEntryError}: dead-letter
 * now); `outage` (Postgres or Redis unreachable: no fault of the entries, so the batch waits for
 * the service without being charged a delivery); `stop` (a {@link StopRequestedError}: hand the
 * entry over); `transient` (a {@link TransientError}, or any other error: retry, split the
 * batch, leave the entry pending, and dead-letter it after the maximum deliveries).
 */
export type ErrorClass = 'permanent' | 'outage' | 'stop' | 'transient'

/** The {@link ErrorClass} of a thrown value. */
export function errorClass(error: unknown): ErrorClass {
  if (error instanceof PoisonEntryError) return 'permanent'
  if (error instanceof StopRequestedError) return 'stop'
  if (isPostgresUnavailable(error) || isRedisUnavailable(error)) return 'outage'
  return 'transient'
}
