import { concatMap } from 'rxjs'
import { z } from 'zod'
import type { Transaction } from '../storage/redis/connection.js'
import type { Keys } from '../storage/redis/keys.js'
import type { ActorDefinition, Decoded, Effect } from './runtime/actor-definition.js'

/** An entry of the due-timer stream: the timer's id, due time and own fields. */
export const TimerMessage = z.looseObject({
  timerId: z.string().min(1),
  dueAt: z.coerce.number(),
  kind: z.string().min(1),
})
export type TimerMessage = z.infer<typeof TimerMessage> & Record<string, unknown>

/** Does a due timer's effect; returns what to queue in the commit (outputs, re-armed timers). */
export type TimerHandler = (timer: TimerMessage) => Promise<((tx: Transaction) => void) | undefined>

/** The actor that dispatches due timers to the handler of their `kind`. */
export function timersActor(
  keys: Keys,
  handlers: Record<string, TimerHandler>,
): ActorDefinition<TimerMessage> {
  return {
    name: 'timers',
    stream: keys.timersDue,
    group: 'timers',
    schema: TimerMessage,
    options: { batchSize: 50, concurrency: 1 },
    operate: concatMap(async (batch: Decoded<TimerMessage>[]): Promise<Effect> => {
      const commits: ((tx: Transaction) => void)[] = []
      const poison: { id: string; error: string }[] = []
      for (const entry of batch) {
        const handler = handlers[entry.value.kind]
        if (handler === undefined) {
          poison.push({
            id: entry.id,
            error: `kind: no handler for timer kind ${entry.value.kind}`,
          })
          continue
        }
        const commit = await handler(entry.value)
        if (commit !== undefined) commits.push(commit)
      }
      return {
        poison,
        commit: (tx) => {
          for (const commit of commits) commit(tx)
        },
      }
    }),
  }
}
