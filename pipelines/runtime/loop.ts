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
