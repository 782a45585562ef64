import { createHash, randomUUID } from 'node:crypto'
import { Transform, type Readable } from 'node:stream'
import type { Kysely } from 'kysely'
import type { FileStore } from '../../storage/filestore.js'
import type { Database } from '../../storage/postgres/database.js'
import { findStoredFile, insertStoredFile } from '../../storage/postgres/stored-file.repository.js'
import type { StoredFileRow } from '../../storage/postgres/stored-file.table.js'
import { DomainError, ownRowOr404 } from '../domain-error.js'
import { byteLimit } from './byte-limit.js'

/** What keeping files needs. */
export interface StoredFilesDeps {
  db: Kysely<Database>
  files: FileStore
}

/** A file of the filestore as its API shows it. */
export interface StoredFile {
  fileStoreId: string
  name: string
  contentType: string
  bytes: number
  sha256: string
}

/** The type of a spreadsheet saved by Excel (and exceljs). */
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** Types told by a name's extension when the sender gave none, or only a generic one. */
const BY_EXTENSION: Record<string, string> = {
  csv: 'text/csv',
  xlsx: XLSX_TYPE,
  txt: 'text/plain',
  json: 'application/json',
  jsonl: 'application/jsonl',
}
const GENERIC = /^(application\/octet-stream|text\/plain|binary\/octet-stream)\b/i
/** A media type with optional parameters (RFC 9110's token characters). */
const MEDIA_TYPE = /^[\w!#$&^.+-]{1,64}\/[\w!#$&^.+-]{1,64}(\s*;[\x20-\x7e]{0,128})?$/

/** The type a file is kept with: the sender's, unless generic or absent and its name says more. */
export function contentTypeOf(name: string, given: string | undefined): string {
  const type = given?.trim() ?? ''
  const known = BY_EXTENSION[/\.([a-z0-9]{1,8})$/i.exec(name)?.[1]?.toLowerCase() ?? '']
  if (known !== undefined && (type === '' || GENERIC.test(type))) return known
  return MEDIA_TYPE.test(type) ? type : 'application/octet-stream'
}

/**
 * A file name as kept: what follows the last `/` or `\`, trimmed; 400 `invalid_name` when that
 * is empty, longer than 255 characters or holds control characters.
 */
export function fileName(given: string | undefined): string {
  const name = (given ?? '').split(/[/\\]/).pop()?.trim() ?? ''
  // eslint-disable-next-line no-control-regex
  if (name === '' || name.length > 255 || /[\u0000-\u001f\u007f]/.test(name) || /^\.+$/.test(name))
    throw new DomainError(
      'invalid',
      'invalid_name',
      'A file needs a name of 1 to 255 characters, without control characters or folders',
    )
  return name
}

/** Passes bytes through while hashing them. */
function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      callback(null, chunk)
    },
  })
}

/** A stored file row as its API shows it. */
export const storedFileView = (row: StoredFileRow): StoredFile => ({
  fileStoreId: row.id,
  name: row.name,
  contentType: row.content_type,
  bytes: Number(row.bytes),
  sha256: row.sha256,
})

/**
 * Streams a file into the filestore (at most `maxBytes`, else 413 `file_too_large`), then records
 * it for `createdBy`. Bytes written without their row (a crash in between) are an orphan the
 * sweeper removes.
 */
export async function storeFile(
  deps: StoredFilesDeps,
  file: { source: Readable; name: string; contentType: string; createdBy: string },
  maxBytes: number,
): Promise<StoredFile> {
  const id = randomUUID()
  const key = `files/${id}`
  const hash = createHash('sha256')
  try {
    const bytes = await deps.files.write(key, file.source, byteLimit(maxBytes), hashing(hash))
    const row = await insertStoredFile(deps.db, {
      id,
      file_key: key,
      name: file.name,
      content_type: file.contentType,
      bytes: String(bytes),
      sha256: hash.digest('hex'),
      created_by: file.createdBy,
    })
    return storedFileView(row)
  } catch (error) {
    await deps.files.remove(key)
    throw error
  }
}

/**
 * Keeps a file that `fill` writes as it goes into `file.source`: the filestore takes the bytes
 * while `fill` runs. When `fill` fails, nothing is kept and its error is thrown.
 */
export async function storeWhileWriting(
  deps: StoredFilesDeps,
  file: { source: Readable; name: string; contentType: string; createdBy: string },
  maxBytes: number,
  fill: () => Promise<void>,
): Promise<StoredFile> {
  const stored = storeFile(deps, file, maxBytes)
  stored.catch(() => undefined) // awaited below, or given up
  try {
    await fill()
  } catch (error) {
    file.source.destroy(error as Error)
    await stored.catch(() => undefined)
    throw error
  }
  return stored
}

/**
 * The stored file `id` as `reader` may see it: its own, or any for an admin. Another's file is
 * answered like a missing one (404 `file_not_found`), so ids cannot be probed.
 */
export async function storedFileOf(
  db: Kysely<Database>,
  id: string,
  reader: { userId: string; admin: boolean },
): Promise<StoredFileRow> {
  return ownRowOr404(
    id,
    reader,
    (key) => findStoredFile(db, key),
    (row) => row.created_by,
    {
      code: 'file_not_found',
      message: `No file ${id}`,
    },
  )
}
