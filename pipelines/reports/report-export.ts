import { DateTime } from 'luxon'
import { fractionDigits } from '../../operators/money.rules.js'
import { resolveFilters } from '../../operators/reports/filter-resolve.rules.js'
import { partName, planParts, type PartPlan } from '../../operators/reports/report-parts.rules.js'
import { templateProblems } from '../../operators/reports/template.rules.js'
import { readInSnapshot } from '../../storage/postgres/reports/dataset-cursor.js'
import { datasetQuery, DATASETS } from '../../storage/postgres/reports/datasets.js'
import type {
  JobRequestRow,
  OversizedCell,
  ReportManifest,
  ReportPart,
} from '../../storage/postgres/reports/job-request.table.js'
import { viewableCampaigns } from '../../storage/postgres/reports/report-template.repository.js'
import { deleteStoredFiles } from '../../storage/postgres/stored-file.repository.js'
import { sheetWriter, type SheetCell, type SheetWriter } from '../files/sheet-write.js'
import { storeFile, XLSX_TYPE, type StoredFile } from '../files/stored-files.js'
import { StopRequestedError } from '../runtime/errors.js'
import type { ReportsDeps } from './deps.js'
import { cellWriter, numberFormat, type CellOf } from './report-cells.js'
import { CATALOGUE } from './templates.js'

/** The report cannot be made as requested (a column its dataset no longer has): no retry helps. */
export class ReportDefinitionError extends Error {
  override name = 'ReportDefinitionError'
}

/** Oversized cells listed in a manifest at most (all are counted). */
const OVERSIZED_LISTED = 100

/** What an export tells as it goes; it awaits each answer (a throw stops it). */
export interface ExportHooks {
  /** Rows written so far, after every fetch. */
  progress(rowsWritten: number): Promise<void>
  /** A part is complete and kept in the filestore. */
  partKept(fileStoreId: string): Promise<void>
}

/** A part being written into the filestore. */
interface OpenPart {
  plan: PartPlan
  name: string
  writer: SheetWriter
  stored: Promise<StoredFile>
}

/** Removes the files of parts written by an export that did not finish, or lost its job. */
export async function removeParts(
  deps: Pick<ReportsDeps, 'db' | 'files'>,
  fileIds: readonly string[],
): Promise<void> {
  for (const key of await deleteStoredFiles(deps.db, fileIds)) await deps.files.remove(key)
}

/**
 * Writes a report job's output: its dataset read with a server-side cursor in one snapshot,
 * each value written by its column's type, split into parts of at most `maxRowsPerPart` rows
 * (the header repeated in each) kept in the filestore for the job's owner. Returns the manifest,
 * whose total is the dataset's count. Calls `hooks.progress` after every fetch; stops with a
 * StopRequestedError when `deps.stopping` aborts. Nothing is kept when it fails (but the parts
 * told to `partKept` when the process dies: the next attempt removes them).
 */
export async function exportReport(
  deps: ReportsDeps,
  job: JobRequestRow,
  options: { maxRowsPerPart: number; fetchRows: number },
  hooks: ExportHooks,
): Promise<ReportManifest> {
  const input = job.job_input
  const dataset = DATASETS[input.dataset]
  const problems = templateProblems(CATALOGUE, {
    dataset: input.dataset,
    columns: input.dynamicColumns.map((c) => ({ column: c.columnName })),
    filters: input.filters,
    sort: input.sort,
  })
  const changed = input.dynamicColumns.filter(
    (c) =>
      dataset?.columns[c.columnName] !== undefined && dataset.columns[c.columnName] !== c.dataType,
  )
  if (dataset === undefined || problems.length > 0 || changed.length > 0)
    throw new ReportDefinitionError(
      `The report cannot be made: ${[
        ...problems.map((p) => `${p.field} ${p.message}`),
        ...changed.map((c) => `${c.columnName} is no longer of type ${c.dataType}`),
      ].join('; ')}`,
    )
  const scheduledMs = Date.parse(input.scheduledFor)
  const digits = fractionDigits(deps.baseCurrency)
  const spec = {
    columns: input.dynamicColumns.map((c) => c.columnName),
    filters: resolveFilters(input.filters, dataset.columns, input.timezone, scheduledMs),
    campaigns: input.runAs.admin ? undefined : await viewableCampaigns(deps.db, input.runAs.userId),
  }
  const query = {
    rows: datasetQuery(
      deps.db,
      input.dataset,
      { ...spec, sort: input.sort },
      { baseDigits: digits },
    ),
    count: datasetQuery(deps.db, input.dataset, { ...spec, sort: [] }, { baseDigits: digits }),
  }
  const format = input.format
  const header = input.dynamicColumns.map((c) => c.label)
  const numberFormats = input.dynamicColumns.map((c) => numberFormat(c.dataType, digits))
  const date = DateTime.fromMillis(scheduledMs, { zone: input.timezone }).toISODate() ?? 'undated'
  const extension = format === 'xlsx' ? 'xlsx' : 'csv'

  let plans: PartPlan[] = []
  let open: OpenPart | undefined
  const parts: ReportPart[] = []
  const oversized: OversizedCell[] = []
  let oversizedCount = 0
  let written = 0
  const cells = input.dynamicColumns.map((c) =>
    cellWriter(c.dataType, format, (length) => {
      oversizedCount++
      if (oversized.length < OVERSIZED_LISTED)
        oversized.push({ row: written, column: c.columnName, length })
    }),
  )
  const columns = input.dynamicColumns.map((c) => c.columnName)
  const width = columns.length

  const openPart = async (plan: PartPlan): Promise<OpenPart> => {
    const name = partName(input.name, date, plan.part, plans.length, extension)
    const writer = sheetWriter(format, 'Report', { bom: input.bom, numberFormats })
    const stored = storeFile(
      deps,
      {
        source: writer.output,
        name,
        contentType: format === 'xlsx' ? XLSX_TYPE : 'text/csv; charset=utf-8',
        createdBy: job.owner,
      },
      Number.MAX_SAFE_INTEGER,
    )
    stored.catch(() => undefined) // awaited when the part is closed, or given up
    await writer.add(header)
    return { plan, name, writer, stored }
  }
  const closePart = async (part: OpenPart) => {
    await part.writer.end()
    const file = await part.stored
    await hooks.partKept(file.fileStoreId)
    parts.push({
      part: part.plan.part,
      fileStoreId: file.fileStoreId,
      name: file.name,
      rows: part.plan.rows,
      firstRow: part.plan.firstRow,
      lastRow: part.plan.lastRow,
      bytes: file.bytes,
      sha256: file.sha256,
    })
  }

  try {
    await readInSnapshot(deps.db, query, options.fetchRows, `report-export ${job.id}`, {
      counted: async (total) => {
        plans = planParts(total, options.maxRowsPerPart)
        open = await openPart(plans[0] as PartPlan)
      },
      rows: async (rows) => {
        let batch: SheetCell[][] = []
        for (const row of rows) {
          written++
          const part = open as OpenPart
          if (written > part.plan.lastRow) {
            await part.writer.addAll(batch)
            batch = []
            await closePart(part)
            const next = plans[part.plan.part]
            if (next === undefined) throw new Error(`more rows than the ${written - 1} counted`)
            open = await openPart(next)
          }
          const values: SheetCell[] = new Array<SheetCell>(width)
          for (let i = 0; i < width; i++)
            values[i] = (cells[i] as CellOf)(row[columns[i] as string])
          batch.push(values)
        }
        await (open as OpenPart).writer.addAll(batch)
        deps.metrics?.reports.rows.inc({ format }, rows.length)
        if (deps.stopping?.aborted === true)
          throw new StopRequestedError('the worker is stopping; the report job is handed over')
        await hooks.progress(written)
      },
    })
    const last = open as OpenPart
    open = undefined
    await closePart(last)
    const total = plans.reduce((sum, p) => sum + p.rows, 0)
    if (written !== total) throw new Error(`wrote ${written} rows of the ${total} counted`)
    return { format, total, parts, oversizedCells: oversized, oversizedCellCount: oversizedCount }
  } catch (error) {
    if (open !== undefined) {
      open.writer.output.destroy(error as Error)
      await open.stored.catch(() => undefined)
    }
    await removeParts(
      deps,
      parts.map((p) => p.fileStoreId),
    )
    throw error
  }
}
