import { moveJob, rowCounts } from '../../storage/postgres/factory/factory-job.repository.js'
import { rowsPage } from '../../storage/postgres/factory/factory-row.repository.js'
import type {
  FactoryJobRow,
  FactoryJobStatus,
  FactoryRowRow,
  FactoryRowStatus,
} from '../../storage/postgres/factory/factory.table.js'
import { findStoredFile } from '../../storage/postgres/stored-file.repository.js'
import { FileProblem } from '../files/file-problem.js'
import { readSheet, sheetFormat } from '../files/sheet-read.js'
import { sheetWriter } from '../files/sheet-write.js'
import { storeWhileWriting, type StoredFile } from '../files/stored-files.js'
import type { ActorDefinition, Effect } from '../runtime/actor-definition.js'
import type { FactoryDeps } from './deps.js'
import type { JobMessage } from './messages.js'
import { enterPhase, phaseActor, sheetName } from './phases.js'

/** The columns the factory adds to an annotated sheet. */
export const ANNOTATIONS = ['#status#', '#errorDetails#', '#createdId#'] as const

/** Rows read from Postgres at once while annotating. */
const PAGE = 2000

/** How a job ends, by its rows. */
export function finalStatus(
  job: Pick<FactoryJobRow, 'action'>,
  counts: Record<FactoryRowStatus, number>,
): FactoryJobStatus {
  if (counts.INVALID > 0) return 'invalid'
  if (job.action === 'validate') return 'completed'
  return counts.FAILED > 0 ? 'partial' : 'completed'
}

/** A row's errors as one cell: `column: message` joined by `; `. */
const errorDetails = (row: FactoryRowRow | undefined) =>
  (row?.errors ?? [])
    .map((e) => (e.column === '' ? e.message : `${e.column}: ${e.message}`))
    .join('; ')

/**
 * Writes the job's annotated sheet: the original (CSV stays CSV, XLSX stays XLSX), every row
 * with its status, its errors and the created id, into the filestore; then ends the job.
 */
export async function annotateJob(deps: FactoryDeps, jobId: string): Promise<Effect> {
  const entered = await enterPhase(deps, jobId, 'annotating', ['annotating', 'failed'])
  if ('effect' in entered) return entered.effect
  const { job } = entered
  const at = () => new Date(deps.clock.now())
  const file = await findStoredFile(deps.db, job.file_id)
  if (file === undefined) {
    await moveJob(deps.db, job.id, 'failed', at(), { error: 'The sheet is no longer stored' })
    return {}
  }
  const format = sheetFormat(file)
  const writer = sheetWriter(format, sheetName(job.type))
  let header: string[] = []
  const fill = async () => {
    await readSheet(
      deps.files,
      file,
      {
        sheet: sheetName(job.type),
        firstOtherwise: true,
        onHeader: (names) => {
          header = names
          void writer.add([...names, ...ANNOTATIONS])
        },
      },
      async (records) => {
        let page: FactoryRowRow[] = []
        let at = 0
        let n = 0
        for await (const record of records) {
          n++
          if (at >= page.length) {
            page = await rowsPage(deps.db, job.id, n - 1, PAGE)
            at = 0
          }
          const row = page[at]?.row === n ? page[at++] : undefined
          const cells = header.map((name) => record.cells[name] ?? '')
          await writer.add([
            ...cells,
            row?.status ?? 'INVALID',
            errorDetails(row),
            row?.created_id ?? '',
          ])
        }
      },
    )
    await writer.end()
  }
  let processed: StoredFile
  try {
    processed = await storeWhileWriting(
      deps,
      {
        source: writer.output,
        name: file.name.replace(/(\.[^.]*)?$/, (ext) => `-processed${ext}`),
        contentType: file.content_type,
        createdBy: job.created_by,
      },
      Number.MAX_SAFE_INTEGER, // as large as the sheet it annotates, which was held to the limit
      fill,
    )
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error
    await moveJob(deps.db, job.id, 'failed', at(), { error: error.message })
    return {}
  }
  const status = finalStatus(job, await rowCounts(deps.db, job.id))
  await moveJob(deps.db, job.id, status, at(), {
    from: ['annotating'],
    processedFileId: processed.fileStoreId,
  })
  deps.logger.info({ jobId: job.id, status, processed: processed.fileStoreId }, 'factory job done')
  return {}
}

/** The factory-annotate actor: `factory:{jobs}:annotate` → the annotated sheet, and the job's end. */
export function factoryAnnotateActor(deps: FactoryDeps): ActorDefinition<JobMessage> {
  return phaseActor(deps, {
    name: 'factory-annotate',
    stream: deps.keys.factoryAnnotate,
    run: (jobId) => annotateJob(deps, jobId),
  })
}
