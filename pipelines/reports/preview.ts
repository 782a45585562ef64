import type { Kysely } from 'kysely'
import { resolveFilters } from '../../operators/reports/filter-resolve.rules.js'
import { formatValue, type ReportValue } from '../../operators/reports/value-format.rules.js'
import { fractionDigits } from '../../operators/money.rules.js'
import type { Database } from '../../storage/postgres/database.js'
import { datasetQuery, DATASETS } from '../../storage/postgres/reports/datasets.js'
import { viewableCampaigns } from '../../storage/postgres/reports/report-template.repository.js'
import type { ReportTemplateRow } from '../../storage/postgres/reports/report-template.table.js'
import type { Reader } from './templates.js'

/** Rows a preview shows. */
export const PREVIEW_ROWS = 100

/** A report's header and rows, each value shown by its column's type. */
export interface ReportRows {
  columns: { column: string; label: string; type: string }[]
  rows: ReportValue[][]
}

/**
 * The first rows of a template as its owner (`runAs`) may see them, relative dates resolved in
 * `zone` at `atMs`: admins see every campaign, others those granted to them. The query and the
 * value formatting are the ones an export runs.
 */
export async function templateRows(
  deps: { db: Kysely<Database>; baseCurrency: string },
  template: ReportTemplateRow,
  runAs: Reader,
  options: { zone: string; atMs: number; limit: number },
): Promise<ReportRows> {
  const dataset = DATASETS[template.dataset]
  if (dataset === undefined) throw new RangeError(`no dataset ${template.dataset}`)
  const columns = template.columns.map((c) => ({
    column: c.column,
    label: c.label ?? c.column,
    type: dataset.columns[c.column] ?? 'string',
  }))
  const query = datasetQuery(
    deps.db,
    template.dataset,
    {
      columns: columns.map((c) => c.column),
      filters: resolveFilters(template.filters, dataset.columns, options.zone, options.atMs),
      sort: template.sort,
      campaigns: runAs.admin ? undefined : await viewableCampaigns(deps.db, runAs.userId),
      limit: options.limit,
    },
    { baseDigits: fractionDigits(deps.baseCurrency) },
  )
  const result = await deps.db.executeQuery(query)
  return {
    columns,
    rows: result.rows.map((row) => columns.map((c) => formatValue(c.type, row[c.column]))),
  }
}
