import { Transform } from 'node:stream'
import { FileProblem } from './file-problem.js'

/**
 * Where the first sequence that is not UTF-8 starts in `bytes`, or -1 when there is none (an
 * incomplete sequence at the very end is not judged). With `midCharacter`, leading continuation
 * bytes (at most three: the end of a character that began before `bytes`) are skipped.
 */
export function firstInvalidUtf8(bytes: Uint8Array, midCharacter = false): number {
  let i = 0
  while (midCharacter && i < 3 && i < bytes.length && ((bytes[i] ?? 0) & 0xc0) === 0x80) i++
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0
    const need =
      lead < 0x80 ? 0 : lead < 0xc2 ? -1 : lead < 0xe0 ? 1 : lead < 0xf0 ? 2 : lead < 0xf5 ? 3 : -1
    if (need < 0) return i
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return -1
      const next = bytes[i + k] ?? 0
      // The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
      const low = k === 1 && lead === 0xe0 ? 0xa0 : k === 1 && lead === 0xf0 ? 0x90 : 0x80
      const high = k === 1 && lead === 0xed ? 0x9f : k === 1 && lead === 0xf4 ? 0x8f : 0xbf
      if (next < low || next > high) return i
    }
    i += need + 1
  }
  return -1
}

/** Newlines (`\n`) in `bytes`. */
function newlines(bytes: Uint8Array): number {
  let n = 0
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) n++
  return n
}

/**
 * Passes bytes through, failing at the first byte sequence that is not UTF-8 with its line
 * (1-based, the header being line 1) and byte offset, so a file saved in another encoding (a
 * spreadsheet's Windows-1252 export, say) is told where.
 */
export function utf8Only(): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let offset = 0 // bytes passed
  let lines = 0 // newlines passed
  let recent = Buffer.alloc(0) // the last bytes passed: a character may continue in the next chunk
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        decoder.decode(chunk, { stream: true })
      } catch {
        const bytes = Buffer.concat([recent, chunk])
        const found = firstInvalidUtf8(bytes, true)
        const at = (found === -1 ? recent.length : found) - recent.length
        const line = lines + newlines(chunk.subarray(0, Math.max(at, 0))) + 1
        const byte = (bytes[at + recent.length] ?? 0).toString(16).toUpperCase().padStart(2, '0')
        callback(
          new FileProblem(
            'not_utf8',
            `The file is not UTF-8 text: byte 0x${byte} at line ${line} (byte ${offset + at} of the file); save it as UTF-8`,
            line,
          ),
        )
        return
      }
      offset += chunk.length
      lines += newlines(chunk)
      recent = Buffer.from(
        chunk.length >= 3 ? chunk.subarray(-3) : Buffer.concat([recent, chunk]).subarray(-3),
      )
      callback(null, chunk)
    },
    flush(callback) {
      try {
        decoder.decode()
        callback()
      } catch {
        callback(new FileProblem('not_utf8', 'The file ends inside a UTF-8 character', lines + 1))
      }
    },
  })
}
