/** Writes started one after another, at most `limit` of them running at once. */
export interface BoundedWrites {
  /** Starts `write`; resolves once fewer than `limit` are running (rejects with one that failed). */
  start(write: () => Promise<void>): Promise<void>
  /** Resolves once every write started has ended; rejects with the first that failed. */
  drain(): Promise<void>
}

/**
 * Overlaps writes with the work that produces them (parsing the next chunk of a file while the
 * last one is stored, say), with memory bounded by `limit` writes.
 */
export function boundedWrites(limit: number): BoundedWrites {
  const running = new Set<Promise<void>>()
  return {
    start: async (write) => {
      const started = write().finally(() => running.delete(started))
      started.catch(() => undefined) // reported by the next start or the drain
      running.add(started)
      if (running.size >= limit) await Promise.race(running)
    },
    drain: async () => {
      await Promise.all(running)
    },
  }
}
