/** Counts in-flight entries so that the reader pulls only while the actor has room. */
export class Credits {
  #available: number
  #waiters: (() => void)[] = []

  constructor(limit: number) {
    this.#available = limit
  }

  /** Waits until some credit is free, then takes up to `most` of it. */
  async take(most: number, signal: AbortSignal): Promise<number> {
    while (this.#available <= 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal.removeEventListener('abort', wake)
          resolve()
        }
        this.#waiters.push(wake)
        signal.addEventListener('abort', wake, { once: true })
      })
    }
    const taken = Math.min(most, this.#available)
    this.#available -= taken
    return taken
  }

  /** Gives back `n` credits and wakes the reader. */
  give(n: number): void {
    this.#available += n
    for (const wake of this.#waiters.splice(0)) wake()
  }
}
