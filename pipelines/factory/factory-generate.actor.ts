import { PassThrough } from 'node:stream'
import type ExcelJS from 'exceljs'
import { excel } from '../files/excel.js'
import type { CompiledSchema, SchemaColumn } from '../../operators/factory/resource-schema.rules.js'
import { rowData } from '../../operators/factory/row-validate.rules.js'
import { findCampaign } from '../../storage/postgres/campaign.repository.js'
import { boundariesUnder } from '../../storage/postgres/factory/boundary.repository.js'
import { latestCreationJob } from '../../storage/postgres/factory/factory-job.repository.js'
import { rowsPage } from '../../storage/postgres/factory/factory-row.repository.js'
import type {
  BoundaryRow,
  GeneratedResourceRow,
} from '../../storage/postgres/factory/factory.table.js'
import {
  finishTemplate,
  findTemplate,
} from '../../storage/postgres/factory/generated-resource.repository.js'
import { XLSX_TYPE, storeWhileWriting } from '../files/stored-files.js'
import type { ActorDefinition, Effect } from '../runtime/actor-definition.js'
import type { FactoryDeps } from './deps.js'
import { sheetName } from './phases.js'
import { GenerateMessage } from './messages.js'
import { projectSettings } from './project-campaigns.js'
import { compiledVersion } from './schemas.js'
import { oneJobActor } from '../runtime/one-job-actor.js'

/** Rows of a template's data sheet that carry drop-downs (Excel applies them per range). */
const VALIDATED_ROWS = 10_000
/** The sheet listing the campaign's boundaries. */
const BOUNDARY_SHEET = 'Boundaries'

/** Excel's column letters of a 1-based column. */
const letter = (n: number): string =>
  n <= 0 ? '' : letter(Math.floor((n - 1) / 26)) + String.fromCharCode(65 + ((n - 1) % 26))

/** How to fill one column, for the README sheet. */
function howTo(column: SchemaColumn): string {
  const kind =
    column.enum !== undefined
      ? `one of: ${column.enum.join(', ')}`
      : column.boundary
        ? `a boundary code of the campaign (see the ${BOUNDARY_SHEET} sheet)`
        : column.type === 'boolean'
          ? 'true or false'
          : column.type === 'integer'
            ? 'a whole number'
            : column.type === 'number'
              ? 'a number'
              : 'text'
  return [column.description, kind].filter(Boolean).join('; ')
}

/**
 * Builds a template: a README sheet on how to fill it, the data sheet (named after the type,
 * headers from the schema with required ones marked `*`, drop-downs for enums and boundary
 * codes) and a sheet of the campaign's boundaries. For a campaign with a parent, the rows the
 * parent's latest creation made are kept and locked (sheet protection on those cells), and a
 * row is added for each boundary new in this campaign.
 */
export async function buildTemplate(
  deps: FactoryDeps,
  template: GeneratedResourceRow,
): Promise<string> {
  const compiled = await compiledVersion(deps.db, template.type, template.schema_version)
  const campaign = await findCampaign(deps.db, template.campaign_id)
  if (campaign === undefined) throw new Error(`campaign ${template.campaign_id} is gone`)
  const settings = projectSettings(campaign)
  const boundaries = await boundariesUnder(deps.db, template.hierarchy_type, settings.boundaries)
  const out = new PassThrough()
  const stored = await storeWhileWriting(
    deps,
    {
      source: out,
      name: `${template.type}-template-${template.campaign_id}.xlsx`,
      contentType: XLSX_TYPE,
      createdBy: template.created_by,
    },
    deps.maxUploadBytes,
    async () => {
      const book = new (excel().stream.xlsx.WorkbookWriter)({ stream: out, useStyles: true })
      readme(book, compiled, template)
      await dataSheet(deps, book, compiled, template, settings.parentCampaignId, boundaries)
      boundarySheet(book, boundaries)
      await book.commit()
    },
  )
  return stored.fileStoreId
}

function readme(
  book: ExcelJS.stream.xlsx.WorkbookWriter,
  compiled: CompiledSchema,
  t: GeneratedResourceRow,
) {
  const sheet = book.addWorksheet('README')
  sheet.columns = [{ width: 28 }, { width: 12 }, { width: 80 }]
  for (const row of [
    [`How to fill the ${t.type} sheet`],
    ['One row per resource. Columns marked * are required. Do not rename the headers.'],
    ['Rows already created for a parent campaign are locked; add new rows below them.'],
    [],
    ['Column', 'Required', 'What to write'],
    ...compiled.columns.map((c) => [c.label, c.required ? 'yes' : 'no', howTo(c)]),
  ])
    sheet.addRow(row).commit()
  sheet.commit()
}

async function dataSheet(
  deps: FactoryDeps,
  book: ExcelJS.stream.xlsx.WorkbookWriter,
  compiled: CompiledSchema,
  t: GeneratedResourceRow,
  parentCampaignId: string | undefined,
  boundaries: BoundaryRow[],
) {
  const sheet = book.addWorksheet(sheetName(t.type))
  const unlocked = { protection: { locked: false } }
  sheet.columns = compiled.columns.map(() => ({ width: 22, style: unlocked }))
  const header = sheet.addRow(compiled.columns.map((c) => (c.required ? `${c.label} *` : c.label)))
  header.font = { bold: true }
  header.commit()
  // The streaming writer keeps validations by range (exceljs leaves this out of its types).
  const validations = (
    sheet as unknown as {
      dataValidations: { add(range: string, validation: ExcelJS.DataValidation): void }
    }
  ).dataValidations
  compiled.columns.forEach((c, i) => {
    const range = `${letter(i + 1)}2:${letter(i + 1)}${VALIDATED_ROWS}`
    if (c.enum !== undefined)
      validations.add(range, {
        type: 'list',
        allowBlank: !c.required,
        formulae: [`"${c.enum.join(',')}"`],
        showErrorMessage: true,
        error: `One of ${c.enum.join(', ')}`,
      })
    else if (c.boundary && boundaries.length > 0)
      validations.add(range, {
        type: 'list',
        allowBlank: !c.required,
        formulae: [`'${BOUNDARY_SHEET}'!$A$2:$A$${boundaries.length + 1}`],
        showErrorMessage: true,
        error: 'A boundary code of the campaign',
      })
  })
  const covered = new Set<string>()
  const boundaryColumn = compiled.columns.findIndex((c) => c.boundary)
  if (parentCampaignId !== undefined) {
    const dataOf = rowData(compiled)
    const job = await latestCreationJob(deps.db, parentCampaignId, t.type)
    for (let after = 0; job !== undefined;) {
      const rows = await rowsPage(deps.db, job.id, after, 2000, ['CREATED', 'EXISTING'])
      const last = rows[rows.length - 1]
      if (last === undefined) break
      after = last.row
      for (const r of rows) {
        const data = dataOf(r.cells)
        const row = sheet.addRow(
          compiled.columns.map((c) => (data[c.key] as string | number | boolean | undefined) ?? ''),
        )
        row.eachCell({ includeEmpty: true }, (cell) => {
          cell.protection = { locked: true }
        })
        row.commit()
        const code =
          boundaryColumn === -1 ? undefined : data[compiled.columns[boundaryColumn]?.key ?? '']
        if (typeof code === 'string') covered.add(code)
      }
    }
  }
  // A row to fill for each boundary that no kept row covers (all of them without a parent).
  if (boundaryColumn !== -1)
    for (const b of boundaries.filter((b) => !covered.has(b.code)))
      sheet.addRow(compiled.columns.map((_, i) => (i === boundaryColumn ? b.code : ''))).commit()
  if (parentCampaignId !== undefined)
    await sheet.protect('', {
      selectLockedCells: true,
      selectUnlockedCells: true,
      insertRows: true,
    })
  sheet.commit()
}

function boundarySheet(book: ExcelJS.stream.xlsx.WorkbookWriter, boundaries: BoundaryRow[]) {
  const sheet = book.addWorksheet(BOUNDARY_SHEET)
  sheet.addRow(['Boundary Code', 'Boundary Name', 'Level', 'Parent Code']).commit()
  for (const b of boundaries) sheet.addRow([b.code, b.name, b.level, b.parent_code ?? '']).commit()
  sheet.commit()
}

/** Builds one template; a failure is recorded on its row (the caller may generate again). */
export async function generate(deps: FactoryDeps, id: string): Promise<Effect> {
  const template = await findTemplate(deps.db, id)
  if (template?.status !== 'inprogress') return {}
  try {
    const fileId = await buildTemplate(deps, template)
    await finishTemplate(deps.db, id, { fileId }, new Date(deps.clock.now()))
  } catch (error) {
    deps.logger.warn({ err: error, templateId: id }, 'template not built')
    await finishTemplate(
      deps.db,
      id,
      { error: (error as Error).message },
      new Date(deps.clock.now()),
    )
  }
  return {}
}

/** The factory-generate actor: `factory:{jobs}:generate` → templates in the filestore. */
export function factoryGenerateActor(deps: FactoryDeps): ActorDefinition<GenerateMessage> {
  return oneJobActor({
    name: 'factory-generate',
    stream: deps.keys.factoryGenerate,
    schema: GenerateMessage,
    run: ({ generateId }) => generate(deps, generateId),
    deadLettered: async (entries) => {
      for (const { value, error } of entries)
        await finishTemplate(deps.db, value.generateId, { error }, new Date(deps.clock.now()))
    },
  })
}
