import { randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import { normalizePhone } from '../../operators/phone.rules.js'
import {
  completeDoNotCallImport,
  deleteDoNotCallImport,
  insertDoNotCallImport,
} from '../../storage/postgres/outreach/do-not-call-import.repository.js'
import { startFileJob } from '../../storage/postgres/file-job.repository.js'
import type { DoNotCallImportRow } from '../../storage/postgres/outreach/flow-task.table.js'
import { addDoNotCall } from '../../storage/postgres/outreach/negative-number.repository.js'
import { queueOrUndo, storeCheckedCsv } from '../files/stored-file.js'
import { eachChunk } from '../files/file-chunks.js'
import type { OutreachDeps } from './deps.js'

/** Rows whose number was not taken that an import keeps to show. */
const INVALID_SHOWN = 1000

/**
 * Takes a do-not-call file (a `phone` column): streams it into the file store, checks it as a
 * whole like an upload (UTF-8, well-formed, a `phone` column, at least one row), records the
 * import and queues it on `outreach:uploads` for upload-split to add its numbers.
 */
export async function acceptDoNotCall(
  deps: Pick<OutreachDeps, 'db' | 'redis' | 'keys' | 'files' | 'maxUploadBytes'>,
  file: Readable,
  createdBy: string,
): Promise<DoNotCallImportRow> {
  const id = randomUUID()
  const fileKey = `do-not-call/${id}.csv`
  const bytes = await storeCheckedCsv(deps.files, fileKey, file, deps.maxUploadBytes, 'phone')
  const row = await insertDoNotCallImport(deps.db, { id, fileKey, bytes, createdBy })
  await queueOrUndo(
    deps.files,
    fileKey,
    () => deps.redis.xadd(deps.keys.outreachUploads, '*', 'importId', id),
    () => deleteDoNotCallImport(deps.db, id),
  )
  return row
}

/**
 * Adds the numbers of an accepted do-not-call file to the global list, streaming it in chunks;
 * upload-split and task creation then leave them out, and the executor checks the list again
 * right before each call. Safe to run again after a crash: numbers are unique, and the counts
 * come from the whole file and the list.
 */
export async function importDoNotCall(
  deps: Pick<OutreachDeps, 'db' | 'files' | 'phoneRegion' | 'clock' | 'stopping' | 'logger'>,
  importId: string,
): Promise<void> {
  const started = await startFileJob(deps.db, 'do_not_call_import', importId)
  if (started === undefined || started.status !== 'processing') return
  const out = { total: 0, invalid: 0, invalidRows: [] as { row: number; phone: string }[] }
  const job = {
    table: 'do_not_call_import',
    id: importId,
    fileKey: started.file_key,
    columns: ['phone'],
  } as const
  const ok = await eachChunk(deps, job, async (rows) => {
    const phones = new Set<string>()
    const invalid: { row: number; phone: string }[] = []
    for (const { row, cells, problem } of rows) {
      // A ragged row's phone cell may hold another column's value: it is not taken.
      const phone =
        problem === undefined ? normalizePhone(cells.phone ?? '', deps.phoneRegion) : undefined
      if (phone !== undefined) phones.add(phone)
      else invalid.push({ row, phone: cells.phone ?? '' })
    }
    await addDoNotCall(deps.db, [...phones], started.created_by, importId)
    // Counted once stored: a chunk storage refused is stored again in parts.
    out.total += rows.length
    out.invalid += invalid.length
    out.invalidRows.push(...invalid.slice(0, INVALID_SHOWN - out.invalidRows.length))
  })
  if (!ok) return
  await completeDoNotCallImport(deps.db, importId, out, new Date(deps.clock.now()))
  deps.logger.info(
    { importId, rows: { total: out.total, invalid: out.invalid } },
    'do-not-call import finished',
  )
}
