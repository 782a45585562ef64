import { HttpProblem } from './problem.js'

/** A NUL, or a lone surrogate (in `u` mode a pair is one code point, never `\p{Cs}`). */
// eslint-disable-next-line no-control-regex -- NUL is what it looks for
const UNSTORABLE = /[\u0000\p{Cs}]/u

/** Where a value holds text storage cannot keep, as a field path; undefined when none. */
export function unstorableText(value: unknown, path: string[] = []): string | undefined {
  if (typeof value === 'string')
    return UNSTORABLE.test(value) ? path.join('.') || '(body)' : undefined
  if (value === null || typeof value !== 'object') return undefined
  for (const [key, item] of Object.entries(value)) {
    const at = [...path, key]
    if (UNSTORABLE.test(key)) return at.join('.')
    const found = unstorableText(item, at)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * 400 `invalid_text` for a request value holding text Postgres cannot store (a NUL character,
 * or a lone UTF-16 surrogate, which `\ud800` can write in JSON), naming the field.
 */
export function unstorableProblem(field: string): HttpProblem {
  return new HttpProblem(400, 'invalid_text', 'The request body holds text that cannot be stored', {
    errors: [{ field, message: 'must not hold a NUL character or a lone UTF-16 surrogate' }],
  })
}
