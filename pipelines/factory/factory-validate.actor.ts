import type { HeaderMapping } from '../../operators/factory/row-validate.rules.js'
import { mapHeader, validateRow } from '../../operators/factory/row-validate.rules.js'
import {
  moveJob,
  rowCounts,
  touchJob,
} from '../../storage/postgres/factory/factory-job.repository.js'
import {
  insertRows,
  markDuplicates,
  type NewFactoryRow,
} from '../../storage/postgres/factory/factory-row.repository.js'
import { findStoredFile } from '../../storage/postgres/stored-file.repository.js'
import { FileProblem } from '../files/file-problem.js'
import { readSheet } from '../files/sheet-read.js'
import type { ActorDefinition, Effect } from '../runtime/actor-definition.js'
import { boundedWrites } from '../runtime/bounded-writes.js'
import type { FactoryDeps } from './deps.js'
import type { JobMessage } from './messages.js'
import { campaignBoundaries, enterPhase, phaseActor, queuePhase, sheetName } from './phases.js'
import { compiledVersion } from './schemas.js'

/** Rows stored per statement. */
const CHUNK = 2000

/** The reference a row is created under: the same for every attempt of the job. */
export const clientReferenceId = (jobId: string, row: number) => `${jobId}:${row}`

/**
 * Validates a job's sheet: every row against the type's schema and the campaign's boundaries,
 * stored with its verdict and every error, then the columns the schema keeps unique across the
 * sheet. Safe to run again: stored rows stay, duplicates are marked once. A sheet that cannot be
 * read, lacks a required column or has no row makes the job `invalid` with the reason.
 */
export async function validateJob(deps: FactoryDeps, jobId: string): Promise<Effect> {
  const entered = await enterPhase(deps, jobId, 'validating', ['accepted', 'validating', 'failed'])
  if ('effect' in entered) return entered.effect
  const { job } = entered
  const at = () => new Date(deps.clock.now())
  const compiled = await compiledVersion(deps.db, job.type, job.schema_version)
  const boundaries = await campaignBoundaries(deps.db, job)
  const file = await findStoredFile(deps.db, job.file_id)
  let mapping: HeaderMapping | undefined
  let rows = 0
  try {
    if (file === undefined) throw new FileProblem('empty_file', 'The sheet is no longer stored')
    await readSheet(
      deps.files,
      file,
      {
        sheet: sheetName(job.type),
        firstOtherwise: true,
        onHeader: (names) => {
          mapping = mapHeader(compiled, names)
          if (mapping.missing.length > 0)
            throw new FileProblem(
              'missing_column',
              `The sheet has no ${mapping.missing.map((c) => JSON.stringify(c.label)).join(', ')} column${mapping.missing.length > 1 ? 's' : ''}`,
              1,
            )
        },
      },
      async (records) => {
        // The next chunk is read and checked while the last ones are stored.
        const writes = boundedWrites(2)
        const store = (rows: NewFactoryRow[]) =>
          writes.start(async () => {
            await insertRows(deps.db, job.id, rows)
            await touchJob(deps.db, job.id, at())
          })
        let chunk: NewFactoryRow[] = []
        try {
          for await (const record of records) {
            const row = ++rows
            const verdict =
              record.problem === undefined && mapping !== undefined
                ? validateRow(compiled, mapping, record.cells, boundaries).errors
                : [
                    {
                      column: record.problem?.column ?? '',
                      code: record.problem?.code ?? 'unreadable',
                      message: record.problem?.message ?? 'the row cannot be read',
                    },
                  ]
            chunk.push({
              row,
              line: record.line,
              cells: record.cells,
              status: verdict.length === 0 ? 'VALID' : 'INVALID',
              errors: verdict,
              clientReferenceId: clientReferenceId(job.id, row),
            })
            if (chunk.length === CHUNK) {
              await store(chunk)
              chunk = []
            }
          }
          await store(chunk)
        } catch (error) {
          await writes.drain().catch(() => undefined) // no write outlives the phase
          throw error
        }
        await writes.drain()
      },
    )
    if (rows === 0) throw new FileProblem('empty_file', 'The sheet has no data rows')
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error
    await moveJob(deps.db, job.id, 'invalid', at(), { error: error.message })
    deps.logger.info({ jobId: job.id, error: error.message }, 'factory sheet refused')
    return {}
  }
  for (const column of compiled.columns.filter((c) => c.unique)) {
    const name = mapping?.columns.get(column.key)
    if (name !== undefined) await markDuplicates(deps.db, job.id, { name, label: column.label })
  }
  const counts = await rowCounts(deps.db, job.id)
  deps.metrics?.factory.rows.inc({ phase: 'validate', outcome: 'VALID' }, counts.VALID)
  deps.metrics?.factory.rows.inc({ phase: 'validate', outcome: 'INVALID' }, counts.INVALID)
  const create = counts.INVALID === 0 && job.action === 'create'
  const next = await moveJob(deps.db, job.id, create ? 'creating' : 'annotating', at(), {
    from: ['validating'],
  })
  deps.logger.info({ jobId: job.id, rows, invalid: counts.INVALID }, 'factory sheet validated')
  return next === undefined ? {} : queuePhase(deps.keys, next)
}

/** The factory-validate actor: `factory:{jobs}:validate` → rows stored with their verdicts. */
export function factoryValidateActor(deps: FactoryDeps): ActorDefinition<JobMessage> {
  return phaseActor(deps, {
    name: 'factory-validate',
    stream: deps.keys.factoryValidate,
    run: (jobId) => validateJob(deps, jobId),
  })
}
