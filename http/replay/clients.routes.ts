import { createRoute, z } from '@hono/zod-openapi'
import {
  CLIENT_NAME,
  ClientInput,
  clientOf,
  clientView,
  removeClient,
  saveClient,
  templateCsv,
} from '../../pipelines/replay/clients.js'
import { listClients } from '../../storage/postgres/replay/replay-client.repository.js'
import type { AppDeps } from '../app-deps.js'
import { requireAdmin } from '../auth.js'
import { json, openApiApp, PageLimit, problems } from '../openapi-app.js'
import { adminOnly } from '../params.js'

const NameParams = z.object({
  name: z.string().regex(CLIENT_NAME, 'must be a-z, 0-9, ".", "_" and "-", 1 to 100'),
})
const MappingSchema = z.object({
  field: z.string(),
  handler: z.string(),
  required: z.boolean(),
  default: z.string().optional(),
  options: z.record(z.string(), z.unknown()),
})
const ClientSchema = z.object({
  name: z.string(),
  accountToken: z.string().describe('Masked: its first four characters and its length'),
  tokenField: z.string(),
  targetUrl: z.string(),
  method: z.enum(['GET', 'POST']),
  mapping: z.record(z.string(), MappingSchema),
  columns: z.array(z.string()).describe("The columns of the client's CSV template, in order"),
  ratePerSecond: z.number(),
  timeoutMs: z.number(),
  maxAttempts: z.number(),
  updatedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
})

/** Replay clients (admin): save, read, list, delete. */
export const replayClientsRoutes = (deps: AppDeps) => {
  const admin = adminOnly(requireAdmin(deps.jwtSecret))
  return openApiApp()
    .openapi(
      createRoute({
        method: 'put',
        path: '/replay/clients/{name}',
        operationId: 'putReplayClient',
        summary:
          'Save a replay client: its token, target, method, column mapping and limits (admin)',
        description:
          'The target URL must be one `OUTBOUND_ALLOW` allows (checked again at every connect); every mapped handler must exist and take its options; with `columns`, every mapped column must be one of them. 201 when new, 200 when replaced.',
        ...admin,
        request: { params: NameParams, body: { content: json(ClientInput), required: true } },
        responses: {
          200: { description: 'Replaced', content: json(ClientSchema) },
          201: { description: 'Created', content: json(ClientSchema) },
          ...problems(400, 401, 403, 415),
        },
      }),
      async (c) => {
        const { name } = c.req.valid('param')
        const { row, created } = await saveClient(
          deps,
          name,
          c.req.valid('json'),
          c.var.caller.userId,
        )
        if (created) {
          c.header('location', `/replay/clients/${name}`)
          return c.json(clientView(row), 201)
        }
        return c.json(clientView(row), 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/replay/clients',
        operationId: 'listReplayClients',
        summary: 'Replay clients by name (admin)',
        ...admin,
        request: {
          query: z.object({ limit: PageLimit, after: z.string().regex(CLIENT_NAME).optional() }),
        },
        responses: {
          200: {
            description: 'Clients',
            content: json(
              z.object({ clients: z.array(ClientSchema), next: z.string().optional() }),
            ),
          },
          ...problems(400, 401, 403),
        },
      }),
      async (c) => {
        const { limit, after } = c.req.valid('query')
        const rows = await listClients(deps.db, { limit, after })
        const last = rows.at(-1)
        return c.json(
          {
            clients: rows.map(clientView),
            ...(rows.length === limit && last !== undefined ? { next: last.name } : {}),
          },
          200,
        )
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/replay/clients/{name}',
        operationId: 'getReplayClient',
        summary: 'A replay client, its token masked (admin)',
        ...admin,
        request: { params: NameParams },
        responses: {
          200: { description: 'The client', content: json(ClientSchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => c.json(clientView(await clientOf(deps.db, c.req.valid('param').name)), 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/replay/clients/{name}/template',
        operationId: 'getReplayClientTemplate',
        summary: "A replay client's CSV template to fill in: its columns' header row (admin)",
        ...admin,
        request: { params: NameParams },
        responses: {
          200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const client = await clientOf(deps.db, c.req.valid('param').name)
        c.header('content-disposition', `attachment; filename="${client.name}-template.csv"`)
        return c.body(templateCsv(client), 200, { 'content-type': 'text/csv; charset=utf-8' })
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/replay/clients/{name}',
        operationId: 'deleteReplayClient',
        summary: 'Delete a replay client (admin)',
        ...admin,
        request: { params: NameParams },
        responses: { 204: { description: 'Deleted' }, ...problems(400, 401, 403, 404) },
      }),
      async (c) => {
        await removeClient(deps.db, c.req.valid('param').name)
        return c.body(null, 204)
      },
    )
}
