import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { z } from 'zod'
import { templateProblems, type Catalogue } from '../../operators/reports/template.rules.js'
import type { Database } from '../../storage/postgres/database.js'
import { DATASETS } from '../../storage/postgres/reports/datasets.js'
import {
  deleteTemplate,
  findTemplate,
  insertTemplate,
  updateTemplate,
  type TemplateFields,
} from '../../storage/postgres/reports/report-template.repository.js'
import type { ReportTemplateRow } from '../../storage/postgres/reports/report-template.table.js'
import { DomainError, fieldsInvalid, ownRowOr404, type RowReader } from '../domain-error.js'

/** The datasets' columns and types, as the template rules read them. */
export const CATALOGUE: Catalogue = Object.fromEntries(
  Object.entries(DATASETS).map(([name, d]) => [name, d.columns]),
)

const Column = z.object({
  column: z.string().max(64),
  label: z.string().trim().min(1).max(200).optional(),
})
const Filter = z.object({
  column: z.string().max(64),
  op: z.string().max(16),
  value: z.unknown().optional(),
})
const Sort = z.object({ column: z.string().max(64), direction: z.string().max(8).default('asc') })
const FIELDS = {
  name: z.string().trim().min(1).max(200),
  dataset: z.string().max(64),
  columns: z.array(Column).min(1).max(200),
  filters: z.array(Filter).max(100),
  sort: z.array(Sort).max(10),
  format: z.enum(['csv', 'xlsx']),
  bom: z.boolean().describe('CSV: open the file with a UTF-8 byte order mark (for Excel)'),
}

/** A template as its owner sends it. */
export const TemplateInput = z.object({
  ...FIELDS,
  filters: FIELDS.filters.default([]),
  sort: FIELDS.sort.default([]),
  format: FIELDS.format.default('csv'),
  bom: FIELDS.bom.default(false),
})
/** A change of a template: the fields sent replace its own (none has a default here). */
export const TemplateChange = z.object(FIELDS).partial()
export type TemplateChange = z.infer<typeof TemplateChange>
export type TemplateInput = z.infer<typeof TemplateInput>

/** Who asks. */
export type Reader = RowReader

/** A template as the contract shows it. */
export const templateView = (row: ReportTemplateRow) => ({
  id: row.id,
  owner: row.owner,
  name: row.name,
  dataset: row.dataset,
  columns: row.columns,
  filters: row.filters,
  sort: row.sort,
  format: row.format,
  bom: row.bom,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
})

/** The template's fields once checked against the catalogue: 400 with every problem by field. */
function checked(input: TemplateInput): TemplateFields {
  const problems = templateProblems(CATALOGUE, input)
  if (problems.length > 0) throw fieldsInvalid(problems.slice(0, 100))
  return {
    ...input,
    columns: input.columns.map((c) => ({
      column: c.column,
      ...(c.label === undefined ? {} : { label: c.label }),
    })),
    sort: input.sort.map((s) => ({
      column: s.column,
      direction: s.direction === 'desc' ? 'desc' : 'asc',
    })),
  }
}

/** Defines a template for `owner` (its runs see what the owner may see), checked before its first run. */
export async function createTemplate(
  db: Kysely<Database>,
  input: TemplateInput,
  owner: Reader,
): Promise<ReportTemplateRow> {
  return insertTemplate(db, {
    id: randomUUID(),
    owner: owner.userId,
    ownerAdmin: owner.admin,
    ...checked(input),
  })
}

/** Whom a template's runs act as: its owner, with the role they had when they saved it. */
export const templateOwner = (row: ReportTemplateRow): Reader => ({
  userId: row.owner,
  admin: row.owner_admin,
})

/** The template `id` as `reader` may see it (their own, or any for an admin); 404 otherwise. */
export async function templateOf(
  db: Kysely<Database>,
  id: string,
  reader: Reader,
): Promise<ReportTemplateRow> {
  return ownRowOr404(
    id,
    reader,
    (key) => findTemplate(db, key),
    (row) => row.owner,
    {
      code: 'template_not_found',
      message: `No report template ${id}`,
    },
  )
}

/**
 * Changes a template: the fields given replace its own, and the whole is checked again. Saved by
 * its owner, it takes the owner's role of now; an admin's change of another's template does not.
 */
export async function changeTemplate(
  db: Kysely<Database>,
  row: ReportTemplateRow,
  change: TemplateChange,
  editor: Reader,
  at: Date,
): Promise<ReportTemplateRow> {
  const given = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined))
  const merged = TemplateInput.parse({ ...templateView(row), ...given })
  const ownerAdmin = editor.userId === row.owner ? editor.admin : undefined
  const updated = await updateTemplate(db, row.id, checked(merged), at, ownerAdmin)
  if (updated === undefined)
    throw new DomainError('not_found', 'template_not_found', `No report template ${row.id}`)
  return updated
}

/** Deletes a template. */
export async function removeTemplate(db: Kysely<Database>, row: ReportTemplateRow): Promise<void> {
  await deleteTemplate(db, row.id)
}
