import type { KeptDeadLetter } from '../postgres/dead-letter.repository.js'
import type { StreamEntry } from './streams.js'

/** Fields the runtime adds to a dead letter's original ones; a replay strips them again. */
const ADDED = new Set(['error', 'actor', 'attempts', 'sourceId'])

/** The fields of a dead letter's entry in `<stream>:dead`: the original ones, then why and who. */
export function deadLetterEntry(letter: KeptDeadLetter): string[] {
  return [
    ...letter.fields,
    'error',
    letter.error,
    'actor',
    letter.actor,
    'attempts',
    String(letter.attempts),
    'sourceId',
    letter.sourceId,
  ]
}

/** The fields a dead letter's entry had on its own stream (what a replay puts back). */
export function originalFields(entry: StreamEntry): Record<string, string> {
  return Object.fromEntries(Object.entries(entry.fields).filter(([name]) => !ADDED.has(name)))
}

/** An entry of `<stream>:dead` read back; `stream` is the key of the stream it came from. */
export function fromDeadLetterEntry(stream: string, entry: StreamEntry): KeptDeadLetter {
  const attempts = Number(entry.fields.attempts)
  return {
    stream,
    sourceId: entry.fields.sourceId ?? entry.id,
    fields: Object.entries(originalFields(entry)).flat(),
    error: entry.fields.error ?? 'unknown error',
    actor: entry.fields.actor ?? 'unknown',
    attempts: Number.isInteger(attempts) ? attempts : 0,
  }
}
