import type { Readable } from 'node:stream'
import type { FileStore } from '../../storage/filestore.js'
import { byteLimit } from './byte-limit.js'
import { checkCsv } from './csv-read.js'

/**
 * Streams an uploaded CSV into the file store at `key` (refusing more than `maxBytes`) and checks
 * it as a whole (UTF-8, well-formed, a `required` column, at least one row); returns its size. A
 * file refused is removed.
 */
export async function storeCheckedCsv(
  files: FileStore,
  key: string,
  source: Readable,
  maxBytes: number,
  required: string,
): Promise<number> {
  try {
    const bytes = await files.write(key, source, byteLimit(maxBytes))
    await checkCsv(files.read(key), required)
    return bytes
  } catch (error) {
    await files.remove(key)
    throw error
  }
}

/**
 * Queues an accepted file's entry; when that fails (Redis unreachable, say), `undo` removes its
 * record and the file is removed, so that the caller's retry is the only copy.
 */
export async function queueOrUndo(
  files: FileStore,
  key: string,
  queue: () => Promise<unknown>,
  undo: () => Promise<void>,
): Promise<void> {
  try {
    await queue()
  } catch (error) {
    await undo()
    await files.remove(key)
    throw error
  }
}
