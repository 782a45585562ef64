import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { ReportTemplateRow } from './report-template.table.js'

/** What a template holds besides its id, owner and times. */
export interface TemplateFields {
  name: string
  dataset: string
  columns: ReportTemplateRow['columns']
  filters: ReportTemplateRow['filters']
  sort: ReportTemplateRow['sort']
  format: ReportTemplateRow['format']
  bom: boolean
}

const jsonFields = (t: TemplateFields) => ({
  name: t.name,
  dataset: t.dataset,
  columns: JSON.stringify(t.columns),
  filters: JSON.stringify(t.filters),
  sort: JSON.stringify(t.sort),
  format: t.format,
  bom: t.bom,
})

/** Records a template. */
export async function insertTemplate(
  db: Kysely<Database>,
  row: { id: string; owner: string; ownerAdmin: boolean } & TemplateFields,
): Promise<ReportTemplateRow> {
  return db
    .insertInto('report_template')
    .values({ id: row.id, owner: row.owner, owner_admin: row.ownerAdmin, ...jsonFields(row) })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** A template, if any. */
export async function findTemplate(
  db: Kysely<Database>,
  id: string,
): Promise<ReportTemplateRow | undefined> {
  return db.selectFrom('report_template').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Replaces a template's fields (and its owner's role, when given); returns the row, or undefined when it is gone. */
export async function updateTemplate(
  db: Kysely<Database>,
  id: string,
  fields: TemplateFields,
  at: Date,
  ownerAdmin?: boolean,
): Promise<ReportTemplateRow | undefined> {
  return db
    .updateTable('report_template')
    .set({
      ...jsonFields(fields),
      updated_at: at,
      ...(ownerAdmin === undefined ? {} : { owner_admin: ownerAdmin }),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

/** Deletes a template; true when there was one. */
export async function deleteTemplate(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('report_template').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** A page of templates (one owner's, or all), newest first, before the template `before`. */
export async function listTemplates(
  db: Kysely<Database>,
  owner: string | undefined,
  limit: number,
  before?: ReportTemplateRow,
): Promise<ReportTemplateRow[]> {
  let query = db
    .selectFrom('report_template')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
  if (owner !== undefined) query = query.where('owner', '=', owner)
  if (before !== undefined)
    query = query.where(
      sql<boolean>`(created_at, id) < (${before.created_at}::timestamptz, ${before.id}::uuid)`,
    )
  return query.execute()
}

/** The campaigns `userId` was granted to see in reports. */
export async function viewableCampaigns(db: Kysely<Database>, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('campaign_viewer')
    .select('campaign_id')
    .where('user_id', '=', userId)
    .execute()
  return rows.map((r) => r.campaign_id)
}

/** Grants `userId` the campaign in reports (again: no change). */
export async function grantViewer(
  db: Kysely<Database>,
  grant: { campaignId: string; userId: string; grantedBy: string },
): Promise<void> {
  await db
    .insertInto('campaign_viewer')
    .values({ campaign_id: grant.campaignId, user_id: grant.userId, granted_by: grant.grantedBy })
    .onConflict((oc) => oc.doNothing())
    .execute()
}

/** Withdraws a grant; true when there was one. */
export async function withdrawViewer(
  db: Kysely<Database>,
  campaignId: string,
  userId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('campaign_viewer')
    .where('campaign_id', '=', campaignId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}
