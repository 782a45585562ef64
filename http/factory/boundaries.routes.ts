import { createRoute, z } from '@hono/zod-openapi'
import {
  addBoundaries,
  hierarchyOf,
  hierarchyView,
  putHierarchy,
} from '../../pipelines/factory/boundaries.js'
import { BoundaryCode, HierarchyType } from '../../pipelines/factory/project-campaigns.js'
import { listBoundaries } from '../../storage/postgres/factory/boundary.repository.js'
import type { AppDeps } from '../app-deps.js'
import { requireAdmin } from '../auth.js'
import { PageLimit, json, openApiApp, problems } from '../openapi-app.js'
import { adminOnly } from '../params.js'

const HierarchyParams = z.object({ hierarchyType: HierarchyType })
const Level = z.string().trim().min(1).max(64)
const HierarchySchema = z.object({
  hierarchyType: z.string(),
  levels: z.array(z.string()),
  updatedAt: z.string(),
})
const BoundarySchema = z.object({
  code: z.string(),
  name: z.string(),
  level: z.string(),
  parentCode: z.string().optional(),
})

/** Boundary hierarchies and their boundaries. */
export const factoryBoundariesRoutes = (deps: AppDeps) => {
  const admin = adminOnly(requireAdmin(deps.jwtSecret))
  return openApiApp()
    .openapi(
      createRoute({
        method: 'put',
        path: '/project-factory/hierarchies/{hierarchyType}',
        operationId: 'putHierarchy',
        summary: "Define a boundary hierarchy's levels, top first (admin)",
        ...admin,
        request: {
          params: HierarchyParams,
          body: {
            content: json(
              z.object({
                levels: z
                  .array(Level)
                  .min(1)
                  .max(20)
                  .refine((l) => new Set(l).size === l.length, 'must not repeat a level'),
              }),
            ),
            required: true,
          },
        },
        responses: {
          200: { description: 'The hierarchy', content: json(HierarchySchema) },
          ...problems(400, 401, 403, 415),
        },
      }),
      async (c) =>
        c.json(
          await putHierarchy(
            deps.db,
            c.req.valid('param').hierarchyType,
            c.req.valid('json').levels,
          ),
          200,
        ),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/project-factory/hierarchies/{hierarchyType}',
        operationId: 'getHierarchy',
        summary: "A boundary hierarchy's levels (admin)",
        ...admin,
        request: { params: HierarchyParams },
        responses: {
          200: { description: 'The hierarchy', content: json(HierarchySchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) =>
        c.json(hierarchyView(await hierarchyOf(deps.db, c.req.valid('param').hierarchyType)), 200),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/project-factory/boundaries',
        operationId: 'addBoundaries',
        summary: 'Add boundaries to a hierarchy, or rename them (admin)',
        description:
          'Each boundary names a level of the hierarchy and, below the top level, a parent one level up (known already or in the same request).',
        ...admin,
        request: {
          body: {
            content: json(
              z.object({
                hierarchyType: HierarchyType,
                boundaries: z
                  .array(
                    z.object({
                      code: BoundaryCode,
                      name: z.string().trim().min(1).max(128),
                      level: Level,
                      parentCode: BoundaryCode.optional(),
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
          200: { description: 'Written', content: json(z.object({ written: z.number() })) },
          ...problems(400, 401, 403, 404, 415),
        },
      }),
      async (c) => {
        const { hierarchyType, boundaries } = c.req.valid('json')
        const written = await addBoundaries(
          deps.db,
          hierarchyType,
          boundaries.map((b) => ({ ...b, parentCode: b.parentCode ?? null })),
        )
        return c.json(written, 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/project-factory/boundaries',
        operationId: 'listBoundaries',
        summary: "A page of a hierarchy's boundaries by code (admin)",
        ...admin,
        request: {
          query: z.object({
            hierarchyType: HierarchyType,
            limit: PageLimit,
            after: BoundaryCode.optional(),
          }),
        },
        responses: {
          200: {
            description: 'Boundaries',
            content: json(
              z.object({ boundaries: z.array(BoundarySchema), next: z.string().optional() }),
            ),
          },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { hierarchyType, limit, after } = c.req.valid('query')
        await hierarchyOf(deps.db, hierarchyType)
        const rows = await listBoundaries(deps.db, hierarchyType, limit, after)
        const last = rows.length === limit ? rows[rows.length - 1] : undefined
        return c.json(
          {
            boundaries: rows.map((r) => ({
              code: r.code,
              name: r.name,
              level: r.level,
              ...(r.parent_code === null ? {} : { parentCode: r.parent_code }),
            })),
            ...(last === undefined ? {} : { next: last.code }),
          },
          200,
        )
      },
    )
}
