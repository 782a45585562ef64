import { createRoute, z } from '@hono/zod-openapi'
import { putSchema, schemaOf, schemaView, TYPE_PATTERN } from '../../pipelines/factory/schemas.js'
import { schemaTypes } from '../../storage/postgres/factory/resource-schema.repository.js'
import type { AppDeps } from '../app-deps.js'
import { requireAdmin } from '../auth.js'
import { json, openApiApp, problems } from '../openapi-app.js'
import { adminOnly } from '../params.js'

const TypeParams = z.object({
  type: z.string().regex(TYPE_PATTERN, 'must be a resource type: a-z, 0-9 and _, 1 to 32'),
})
const SchemaSchema = z.object({
  type: z.string(),
  version: z.number(),
  schema: z.record(z.string(), z.unknown()),
  createdBy: z.string(),
  createdAt: z.string(),
})

/** Resource schemas (the factory's MDMS): list, read, add a version. */
export const factorySchemasRoutes = (deps: AppDeps) => {
  const admin = adminOnly(requireAdmin(deps.jwtSecret))
  return openApiApp()
    .openapi(
      createRoute({
        method: 'get',
        path: '/project-factory/schemas',
        operationId: 'listFactorySchemas',
        summary: 'Resource types with their current schema version (admin)',
        ...admin,
        responses: {
          200: {
            description: 'Types',
            content: json(
              z.object({ types: z.array(z.object({ type: z.string(), version: z.number() })) }),
            ),
          },
          ...problems(401, 403),
        },
      }),
      async (c) => c.json({ types: await schemaTypes(deps.db) }, 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/project-factory/schemas/{type}',
        operationId: 'getFactorySchema',
        summary: "A type's current schema (admin)",
        ...admin,
        request: { params: TypeParams },
        responses: {
          200: { description: 'Schema', content: json(SchemaSchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => c.json(schemaView(await schemaOf(deps.db, c.req.valid('param').type)), 200),
    )
    .openapi(
      createRoute({
        method: 'put',
        path: '/project-factory/schemas/{type}',
        operationId: 'putFactorySchema',
        summary: "Add a version of a type's schema, or define a new type (admin)",
        description:
          'A JSON Schema of an object whose properties are the columns (`string`, `integer`, `number`, `boolean`), with `x-label` (header), `x-order`, `x-unique` (columns unique within a sheet) and `x-boundary` (boundary codes). Jobs keep the version they started with.',
        ...admin,
        request: {
          params: TypeParams,
          body: { content: json(z.record(z.string(), z.unknown())), required: true },
        },
        responses: {
          201: { description: 'The new version', content: json(SchemaSchema) },
          ...problems(400, 401, 403, 415),
        },
      }),
      async (c) =>
        c.json(
          await putSchema(
            deps.db,
            c.req.valid('param').type,
            c.req.valid('json'),
            c.var.caller.userId,
          ),
          201,
        ),
    )
}
