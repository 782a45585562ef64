/** Delay before retry `attempt` (0-based): exponential from `baseMs`, with full jitter. */
export function backoff(attempt: number, baseMs = 50, maxMs = 5000): number {
  return Math.random() * Math.min(maxMs, baseMs * 2 ** attempt)
}

/** Runs `task`, retrying up to `retries` times with backoff while `retryable(error)` holds. */
export async function retry<T>(
  task: () => Promise<T>,
  retries: number,
  retryable: (error: unknown) => boolean = () => true,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await task()
    } catch (error) {
      if (attempt >= retries || !retryable(error)) throw error
      await new Promise((resolve) => setTimeout(resolve, backoff(attempt)))
    }
  }
}
