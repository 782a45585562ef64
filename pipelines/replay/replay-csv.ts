import type { Readable } from 'node:stream'
import { missingColumn, readCsv } from '../files/csv-read.js'
import { FileProblem } from '../files/file-problem.js'

/**
 * Reads a kept CSV whole and refuses what would make every row unusable, before anything is
 * fired: not UTF-8, unbalanced quotes, a header without a required mapped column or with a
 * column that is not among the client's template `columns` (when it lists them; a header cell
 * left empty is not one), no data row.
 */
export async function checkReplayCsv(
  source: Readable,
  required: readonly string[],
  columns?: readonly string[],
): Promise<void> {
  let rows = 0
  await readCsv(
    source,
    {
      onHeader: (names) => {
        const missing = required.find((column) => !names.includes(column))
        if (missing !== undefined)
          throw new FileProblem('missing_column', missingColumn(missing, names), 1)
        const unknown = names.filter(
          (name, i) => columns?.includes(name) === false && name !== `column_${i + 1}`,
        )
        if (unknown.length > 0)
          throw new FileProblem(
            'unknown_column',
            `The header has ${unknown.map((n) => JSON.stringify(n)).join(', ')}, not among the client's columns (${columns?.map((n) => JSON.stringify(n)).join(', ')}); is one misspelt?`,
            1,
          )
      },
    },
    async (records) => {
      for await (const _record of records) rows++
    },
  )
  if (rows === 0) throw new FileProblem('empty_file', 'The file has no data rows')
}
