import { createHash, randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../../storage/postgres/database.js'
import { boundariesUnder } from '../../storage/postgres/factory/boundary.repository.js'
import type { GeneratedResourceRow } from '../../storage/postgres/factory/factory.table.js'
import {
  expireTemplates,
  findLiveTemplate,
  findTemplate,
  insertTemplate,
  latestTemplate,
  type TemplateInputs,
} from '../../storage/postgres/factory/generated-resource.repository.js'
import { DomainError } from '../domain-error.js'
import type { FactoryDeps } from './deps.js'
import { projectCampaignOf, projectSettings } from './project-campaigns.js'
import { schemaOf } from './schemas.js'

/** What a template is asked for. */
export interface TemplateRequest {
  type: string
  hierarchyType: string
  campaignId: string
}

/** A template row as the contract shows it (the anchor's generated-resource). */
export const templateView = (row: GeneratedResourceRow) => ({
  id: row.id,
  type: row.type,
  hierarchyType: row.hierarchy_type,
  campaignId: row.campaign_id,
  schemaVersion: row.schema_version,
  status: row.status,
  ...(row.file_id === null ? {} : { fileStoreId: row.file_id }),
  ...(row.error === null ? {} : { error: row.error }),
  createdBy: row.created_by,
  createdAt: row.created_at.toISOString(),
  ...(row.completed_at === null ? {} : { completedAt: row.completed_at.toISOString() }),
})

/** The inputs a template for `request` is built from now: the schema version and the boundary set. */
async function inputsOf(db: Kysely<Database>, request: TemplateRequest): Promise<TemplateInputs> {
  const schema = await schemaOf(db, request.type)
  const campaign = await projectCampaignOf(db, request.campaignId)
  const settings = projectSettings(campaign)
  if (settings.hierarchyType !== request.hierarchyType)
    throw new DomainError(
      'invalid',
      'hierarchy_mismatch',
      `Campaign ${campaign.id} is over the hierarchy ${settings.hierarchyType}, not ${request.hierarchyType}`,
    )
  const codes = (await boundariesUnder(db, request.hierarchyType, settings.boundaries))
    .map((b) => b.code)
    .sort()
  return {
    ...request,
    schemaVersion: schema.version,
    boundarySet: createHash('sha256').update(codes.join('\n')).digest('hex'),
  }
}

/**
 * Asks for a template: the completed (or building) one for the same inputs is given back as it
 * is; with `forceUpdate`, earlier ones expire and a new one is built. Concurrent requests for
 * the same inputs build once (a unique index, not a lock in memory).
 */
export async function generateTemplate(
  deps: Pick<FactoryDeps, 'db' | 'redis' | 'keys'>,
  request: TemplateRequest & { forceUpdate: boolean },
  createdBy: string,
): Promise<{ row: GeneratedResourceRow; started: boolean }> {
  const inputs = await inputsOf(deps.db, request)
  if (!request.forceUpdate) {
    const found = await findLiveTemplate(deps.db, inputs)
    if (found !== undefined) return { row: found, started: false }
  } else await expireTemplates(deps.db, inputs)
  const row = await insertTemplate(deps.db, { id: randomUUID(), createdBy, ...inputs })
  if (row === undefined) {
    const winner = await findLiveTemplate(deps.db, inputs)
    if (winner !== undefined) return { row: winner, started: false }
    return generateTemplate(deps, request, createdBy) // expired meanwhile: ask again
  }
  await deps.redis.xadd(deps.keys.factoryGenerate, '*', 'generateId', row.id)
  return { row, started: true }
}

/** The latest completed template, or one started (or building) when there is none. */
export async function downloadTemplate(
  deps: Pick<FactoryDeps, 'db' | 'redis' | 'keys'>,
  request: TemplateRequest,
  createdBy: string,
): Promise<{ row: GeneratedResourceRow; ready: boolean }> {
  const latest = await latestTemplate(deps.db, request)
  if (latest !== undefined) return { row: latest, ready: true }
  const { row } = await generateTemplate(deps, { ...request, forceUpdate: false }, createdBy)
  return { row, ready: false }
}

/** A template by id: 404 `template_not_found`. */
export async function templateOf(db: Kysely<Database>, id: string): Promise<GeneratedResourceRow> {
  const row = /^[0-9a-f-]{36}$/i.test(id) ? await findTemplate(db, id) : undefined
  if (row === undefined)
    throw new DomainError('not_found', 'template_not_found', `No template ${id}`)
  return row
}
