import type { Kysely } from 'kysely'
import { z } from 'zod'
import { insertCampaign } from '../../storage/postgres/campaign.repository.js'
import type { CampaignRow } from '../../storage/postgres/campaign.table.js'
import type { Database } from '../../storage/postgres/database.js'
import {
  findHierarchy,
  knownBoundaries,
} from '../../storage/postgres/factory/boundary.repository.js'
import { campaignOf } from '../campaign-of.js'
import { fieldsInvalid } from '../domain-error.js'

/** A boundary code as the factory spells it. */
export const BoundaryCode = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a boundary code')
/** A hierarchy's name. */
export const HierarchyType = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -')

/** The body of `POST /campaigns` for a project campaign. */
export const NewProjectCampaign = z.object({
  type: z.literal('project'),
  name: z.string().trim().min(1).max(200),
  hierarchyType: HierarchyType,
  boundaries: z.array(BoundaryCode).min(1).max(10_000),
  parentCampaignId: z
    .string()
    .regex(/^\d{1,18}$/, 'must be a campaign id')
    .optional(),
})
export type NewProjectCampaign = z.infer<typeof NewProjectCampaign>

/** What a project campaign keeps in `settings`. */
const ProjectSettings = z.object({
  name: z.string(),
  hierarchyType: z.string(),
  boundaries: z.array(z.string()),
  parentCampaignId: z.string().optional(),
})
export type ProjectSettings = z.infer<typeof ProjectSettings>

/** A project campaign as the HTTP contract shows it. */
export interface ProjectCampaignView extends ProjectSettings {
  campaignId: string
  type: 'project'
  status: CampaignRow['status']
  createdAt: string
}

/** A project campaign's settings, parsed from its row. */
export const projectSettings = (row: CampaignRow): ProjectSettings =>
  ProjectSettings.parse(row.settings)

/** A project campaign row as the contract shows it. */
export function projectCampaignView(row: CampaignRow): ProjectCampaignView {
  return {
    campaignId: row.id,
    type: 'project',
    ...projectSettings(row),
    status: row.status,
    createdAt: row.created_at.toISOString(),
  }
}

/** The project campaign `id`; refuses unknown and other-type campaigns. */
export const projectCampaignOf = (db: Kysely<Database>, id: string): Promise<CampaignRow> =>
  campaignOf(db, id, 'project')

/** A project campaign has no end: it runs until it is revoked. */
const NO_END = new Date('9999-12-31T00:00:00Z')

/**
 * Creates a project campaign over boundaries of a hierarchy: the hierarchy must exist, and so
 * must every boundary and the parent campaign (of the same hierarchy) when one is named.
 */
export async function createProjectCampaign(
  deps: { db: Kysely<Database>; clock: { now(): number } },
  input: NewProjectCampaign,
  createdBy: string,
): Promise<ProjectCampaignView> {
  const problems: { field: string; message: string }[] = []
  const hierarchy = await findHierarchy(deps.db, input.hierarchyType)
  if (hierarchy === undefined)
    problems.push({ field: 'hierarchyType', message: `no hierarchy ${input.hierarchyType}` })
  else {
    const codes = [...new Set(input.boundaries)]
    const known = await knownBoundaries(deps.db, input.hierarchyType, codes)
    const unknown = codes.filter((c) => !known.has(c))
    if (unknown.length > 0)
      problems.push({
        field: 'boundaries',
        message: `not boundaries of ${input.hierarchyType}: ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ` and ${unknown.length - 20} more` : ''}`,
      })
  }
  if (input.parentCampaignId !== undefined) {
    const parent = await campaignOf(deps.db, input.parentCampaignId, 'project').catch(
      () => undefined,
    )
    if (parent === undefined)
      problems.push({ field: 'parentCampaignId', message: 'must be a project campaign' })
    else if (projectSettings(parent).hierarchyType !== input.hierarchyType)
      problems.push({ field: 'parentCampaignId', message: 'has another hierarchyType' })
  }
  if (problems.length > 0) throw fieldsInvalid(problems)
  const settings: ProjectSettings = {
    name: input.name,
    hierarchyType: input.hierarchyType,
    boundaries: [...new Set(input.boundaries)],
    ...(input.parentCampaignId === undefined ? {} : { parentCampaignId: input.parentCampaignId }),
  }
  const row = await insertCampaign(deps.db, {
    type: 'project',
    start_at: new Date(deps.clock.now()),
    end_at: NO_END,
    status: 'Running',
    created_by: createdBy,
    settings: JSON.stringify(settings),
  })
  return projectCampaignView(row)
}
