import { createRoute, z } from '@hono/zod-openapi'
import { TYPE_PATTERN } from '../../pipelines/factory/schemas.js'
import {
  createResources,
  searchResources,
} from '../../storage/postgres/factory/registry.repository.js'
import type { AppDeps } from '../app-deps.js'
import { requireAdmin } from '../auth.js'
import { json, openApiApp, problems } from '../openapi-app.js'
import { adminOnly } from '../params.js'

const TypeParams = z.object({ type: z.string().regex(TYPE_PATTERN, 'must be a resource type') })
const Reference = z.string().min(1).max(200)
const Found = z.object({
  resources: z.array(
    z.object({
      clientReferenceId: z.string(),
      id: z.string(),
      data: z.record(z.string(), z.unknown()),
    }),
  ),
})
const view = (rows: Awaited<ReturnType<typeof searchResources>>) => ({
  resources: rows.map((r) => ({
    clientReferenceId: r.client_reference_id,
    id: r.id,
    data: r.data,
  })),
})

/**
 * The built-in registry: a target service that follows the factory's target contract
 * (docs/factory.md), stored in Postgres. The factory calls it in-process by default.
 */
export const registryRoutes = (deps: AppDeps) => {
  const admin = adminOnly(requireAdmin(deps.jwtSecret))
  return openApiApp()
    .openapi(
      createRoute({
        method: 'post',
        path: '/registry/v1/{type}/_create',
        operationId: 'registryCreate',
        summary: 'Create resources once per clientReferenceId (admin)',
        description:
          'A resource that exists under its clientReferenceId is answered as it is, not created again.',
        ...admin,
        request: {
          params: TypeParams,
          body: {
            content: json(
              z.object({
                resources: z
                  .array(
                    z.object({
                      clientReferenceId: Reference,
                      data: z.record(z.string(), z.unknown()),
                    }),
                  )
                  .min(1)
                  .max(1000),
              }),
            ),
            required: true,
          },
        },
        responses: {
          200: { description: 'Created or existing', content: json(Found) },
          ...problems(400, 401, 403, 415),
        },
      }),
      async (c) =>
        c.json(
          view(
            await createResources(
              deps.db,
              c.req.valid('param').type,
              c.req.valid('json').resources,
            ),
          ),
          200,
        ),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/registry/v1/{type}/_search',
        operationId: 'registrySearch',
        summary: 'Resources by clientReferenceId (admin)',
        ...admin,
        request: {
          params: TypeParams,
          body: {
            content: json(z.object({ clientReferenceIds: z.array(Reference).min(1).max(1000) })),
            required: true,
          },
        },
        responses: {
          200: { description: 'Found', content: json(Found) },
          ...problems(400, 401, 403, 415),
        },
      }),
      async (c) =>
        c.json(
          view(
            await searchResources(
              deps.db,
              c.req.valid('param').type,
              c.req.valid('json').clientReferenceIds,
            ),
          ),
          200,
        ),
    )
}
