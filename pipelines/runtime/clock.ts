/** The one source of time; operators never call `Date.now()` themselves. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() }

/** A clock tests move by hand. */
export function manualClock(
  start: number,
): Clock & { set(ms: number): void; advance(ms: number): void } {
  let current = start
  return {
    now: () => current,
    set: (ms) => {
      current = ms
    },
    advance: (ms) => {
      current += ms
    },
  }
}

/** A clock that is set by hand and then runs on with real time (for rate limits in tests). */
export function runningClock(start: number): Clock & { set(ms: number): void } {
  let base = start
  let setAt = Date.now()
  return {
    now: () => base + (Date.now() - setAt),
    set: (ms) => {
      base = ms
      setAt = Date.now()
    },
  }
}
