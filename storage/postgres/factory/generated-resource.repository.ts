import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { GeneratedResourceRow } from './factory.table.js'

/** What a template is built from: the row that caches it is unique per these while live. */
export interface TemplateInputs {
  type: string
  hierarchyType: string
  campaignId: string
  schemaVersion: number
  boundarySet: string
}

const live = ['inprogress', 'completed'] as const

/** The template in progress or completed for `inputs`, if any. */
export async function findLiveTemplate(
  db: Kysely<Database>,
  inputs: TemplateInputs,
): Promise<GeneratedResourceRow | undefined> {
  return db
    .selectFrom('generated_resource')
    .selectAll()
    .where('type', '=', inputs.type)
    .where('hierarchy_type', '=', inputs.hierarchyType)
    .where('campaign_id', '=', inputs.campaignId)
    .where('schema_version', '=', inputs.schemaVersion)
    .where('boundary_set', '=', inputs.boundarySet)
    .where('status', 'in', live)
    .executeTakeFirst()
}

/**
 * Records a template to build for `inputs`, unless one is live for them already (two at once:
 * the unique index lets one in); returns the new row, or undefined.
 */
export async function insertTemplate(
  db: Kysely<Database>,
  row: { id: string; createdBy: string } & TemplateInputs,
): Promise<GeneratedResourceRow | undefined> {
  return db
    .insertInto('generated_resource')
    .values({
      id: row.id,
      type: row.type,
      hierarchy_type: row.hierarchyType,
      campaign_id: row.campaignId,
      schema_version: row.schemaVersion,
      boundary_set: row.boundarySet,
      created_by: row.createdBy,
      file_id: null,
      error: null,
      completed_at: null,
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst()
}

/** Expires every live template of a type, hierarchy and campaign (whatever its other inputs). */
export async function expireTemplates(
  db: Kysely<Database>,
  inputs: Pick<TemplateInputs, 'type' | 'hierarchyType' | 'campaignId'>,
): Promise<number> {
  const result = await db
    .updateTable('generated_resource')
    .set({ status: 'expired' })
    .where('type', '=', inputs.type)
    .where('hierarchy_type', '=', inputs.hierarchyType)
    .where('campaign_id', '=', inputs.campaignId)
    .where('status', 'in', live)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/** A template row, if any. */
export async function findTemplate(
  db: Kysely<Database>,
  id: string,
): Promise<GeneratedResourceRow | undefined> {
  return db.selectFrom('generated_resource').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Ends a template's build: completed with its file, or failed with why. */
export async function finishTemplate(
  db: Kysely<Database>,
  id: string,
  outcome: { fileId: string } | { error: string },
  at: Date,
): Promise<void> {
  await db
    .updateTable('generated_resource')
    .set(
      'fileId' in outcome
        ? { status: 'completed', file_id: outcome.fileId, completed_at: at }
        : { status: 'failed', error: outcome.error, completed_at: at },
    )
    .where('id', '=', id)
    .where('status', '=', 'inprogress')
    .execute()
}

/** The newest completed template of a type, hierarchy and campaign, if any. */
export async function latestTemplate(
  db: Kysely<Database>,
  inputs: Pick<TemplateInputs, 'type' | 'hierarchyType' | 'campaignId'>,
): Promise<GeneratedResourceRow | undefined> {
  return db
    .selectFrom('generated_resource')
    .selectAll()
    .where('type', '=', inputs.type)
    .where('hierarchy_type', '=', inputs.hierarchyType)
    .where('campaign_id', '=', inputs.campaignId)
    .where('status', '=', 'completed')
    .orderBy('created_at', 'desc')
    .executeTakeFirst()
}

/** Templates still in progress, to queue again after Redis was lost. */
export async function templatesInProgress(db: Kysely<Database>): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    SELECT id FROM generated_resource WHERE status = 'inprogress'
  `.execute(db)
  return rows.rows.map((r) => r.id)
}
