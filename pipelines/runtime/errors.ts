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
