import { createRoute, z } from '@hono/zod-openapi'
import { HierarchyType } from '../../pipelines/factory/project-campaigns.js'
import { TYPE_PATTERN } from '../../pipelines/factory/schemas.js'
import {
  downloadTemplate,
  generateTemplate,
  templateOf,
  templateView,
} from '../../pipelines/factory/templates.js'
import type { AppDeps } from '../app-deps.js'
import { requireAdmin } from '../auth.js'
import { json, openApiApp, problems } from '../openapi-app.js'
import { CampaignId, adminOnly } from '../params.js'

const BASE = '/project-factory/v1/data'
const TemplateQuery = z.object({
  type: z.string().regex(TYPE_PATTERN, 'must be a resource type such as user'),
  hierarchyType: HierarchyType,
  campaignId: CampaignId,
})
const TemplateSchema = z.object({
  id: z.string(),
  type: z.string(),
  hierarchyType: z.string(),
  campaignId: z.string(),
  schemaVersion: z.number(),
  status: z.enum(['inprogress', 'completed', 'failed', 'expired']),
  fileStoreId: z.string().optional(),
  error: z.string().optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  completedAt: z.string().optional(),
})

/** Templates to fill: generate (cached per inputs), download the latest, see one. */
export const factoryGenerateRoutes = (deps: AppDeps) => {
  const admin = adminOnly(requireAdmin(deps.jwtSecret))
  return openApiApp()
    .openapi(
      createRoute({
        method: 'post',
        path: `${BASE}/_generate`,
        operationId: 'generateFactoryTemplate',
        summary: 'Build the template of a type for a campaign (admin) → 202 with its row',
        description:
          'Without `forceUpdate`, the template built (or building) for the same type, hierarchy, campaign, schema version and boundary set is answered as it is; with it, earlier ones expire and a new one is built. Poll `Location` until `status` is `completed` (its `fileStoreId` is the XLSX) or `failed`.',
        ...admin,
        request: {
          query: TemplateQuery.extend({
            forceUpdate: z
              .enum(['true', 'false'])
              .default('false')
              .transform((v) => v === 'true'),
          }),
        },
        responses: {
          202: { description: 'The template row', content: json(TemplateSchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { row } = await generateTemplate(deps, c.req.valid('query'), c.var.caller.userId)
        c.header('location', `${BASE}/_generate/${row.id}`)
        return c.json(templateView(row), 202)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: `${BASE}/_generate/{id}`,
        operationId: 'getFactoryTemplate',
        summary: 'A template row: where its build is, and its file (admin)',
        ...admin,
        request: { params: z.object({ id: z.uuid() }) },
        responses: {
          200: { description: 'The template row', content: json(TemplateSchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => c.json(templateView(await templateOf(deps.db, c.req.valid('param').id)), 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: `${BASE}/_download`,
        operationId: 'downloadFactoryTemplate',
        summary: 'The latest completed template (200), or a build started for it (202) (admin)',
        description: 'The XLSX itself is `GET /files/{fileStoreId}`.',
        ...admin,
        request: { query: TemplateQuery },
        responses: {
          200: { description: 'The latest completed template', content: json(TemplateSchema) },
          202: { description: 'None yet: one is being built', content: json(TemplateSchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { row, ready } = await downloadTemplate(
          deps,
          c.req.valid('query'),
          c.var.caller.userId,
        )
        if (ready) return c.json(templateView(row), 200)
        c.header('location', `${BASE}/_generate/${row.id}`)
        return c.json(templateView(row), 202)
      },
    )
}
