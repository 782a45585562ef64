import type { Readable } from 'node:stream'
import { normalizePhone } from '../operators/phone.js'
import { byteLimit, FileProblem, missingColumn, readCsv } from './csv-check.js'
import { addToDoNotCall } from './outreach-commands.js'
import type { OutreachDeps } from './outreach-deps.js'

/** Numbers written per statement. */
const CHUNK = 5000

/**
 * Adds a CSV of numbers (a `phone` column) to the global do-not-call list, streaming it in
 * chunks. Upload-split and task creation leave these numbers out, and the executor checks the
 * list again right before each call.
 */
export async function importDoNotCall(
  deps: Pick<OutreachDeps, 'db' | 'maxUploadBytes' | 'phoneRegion'>,
  file: Readable,
  addedBy: string,
): Promise<{ rows: number; added: number; invalid: { row: number; phone: string }[] }> {
  const out = { rows: 0, added: 0, invalid: [] as { row: number; phone: string }[] }
  await readCsv(file, byteLimit(deps.maxUploadBytes), async (records) => {
    let phones: string[] = []
    for await (const { cells, ragged } of records) {
      if (out.rows === 0 && !('phone' in cells)) {
        throw new FileProblem('missing_column', missingColumn('phone', Object.keys(cells)), 1)
      }
      out.rows++
      // A ragged row's phone cell may hold another column's value: it is not taken.
      const phone =
        ragged === undefined ? normalizePhone(cells.phone ?? '', deps.phoneRegion) : undefined
      if (phone === undefined) {
        if (out.invalid.length < 1000) out.invalid.push({ row: out.rows, phone: cells.phone ?? '' })
      } else phones.push(phone)
      if (phones.length === CHUNK) {
        out.added += await addToDoNotCall(deps.db, phones, addedBy)
        phones = []
      }
    }
    out.added += await addToDoNotCall(deps.db, phones, addedBy)
  })
  if (out.rows === 0) throw new FileProblem('empty_file', 'The file has no rows')
  return out
}
