import type { Logger } from 'pino'

/** A background loop that can be stopped. */
export interface Loop {
  /** Wakes the loop from its rest, lets the pass in progress finish, and ends it. */
  stop(): Promise<void>
}

/**
 * Runs `pass` again and again until stopped, resting `restMs` after each pass that returns
 * `true` (nothing more to do right now). `pass` handles its own errors.
 */
export function startLoop(pass: () => Promise<boolean>, restMs: number): Loop {
  let stopped = false
  let wake: (() => void) | undefined
  const loop = async () => {
    while (!stopped) {
      const rest = await pass()
      if (rest && !stopped) {
        await new Promise<void>((resolve) => {
          wake = resolve
          setTimeout(resolve, restMs)
        })
      }
    }
  }
  const done = loop()
  return {
    stop: async () => {
      stopped = true
      wake?.()
      await done
    },
  }
}

/**
 * {@link startLoop} for a background pass that must outlive its errors (a lost connection, a
 * statement that failed): a pass that throws is logged as `<what> failed` and the loop rests
 * before the next.
 */
export function startGuardedLoop(
  logger: Pick<Logger, 'warn'>,
  what: string,
  pass: () => Promise<boolean>,
  restMs: number,
): Loop {
  return startLoop(async () => {
    try {
      return await pass()
    } catch (error) {
      logger.warn({ err: error }, `${what} failed`)
      return true
    }
  }, restMs)
}
