import { createRoute, z } from '@hono/zod-openapi'
import { acceptDoNotCall } from '../../pipelines/outreach/do-not-call.js'
import {
  findDoNotCallImport,
  listDoNotCallImports,
} from '../../storage/postgres/outreach/do-not-call-import.repository.js'
import type { DoNotCallImportRow } from '../../storage/postgres/outreach/flow-task.table.js'
import {
  findDoNotCall,
  removeDoNotCall,
} from '../../storage/postgres/outreach/negative-number.repository.js'
import { adminOnly, CampaignParams, IdempotencyHeaders } from '../params.js'
import type { AppDeps } from '../app-deps.js'
import { requireAdmin } from '../auth.js'
import { PageLimit, json, nextPage, openApiApp, problems } from '../openapi-app.js'
import { HttpProblem } from '../problem.js'
import { phoneParams } from './phone-params.js'
import { FileProgressSchema, fileProgress } from '../file-progress.js'
import { acceptUploadedFile, acceptedResponse } from './upload-body.js'
import { uploadedFile } from '../file-body.js'

const notListed = (phone: string) =>
  new HttpProblem(404, 'not_on_do_not_call_list', `${phone} is not on the do-not-call list`)

const DoNotCallImportSchema = z.object({
  importId: z.string(),
  status: z.enum(['accepted', 'processing', 'completed', 'failed']),
  ...FileProgressSchema.shape,
  rows: z.object({ total: z.number(), added: z.number(), invalid: z.number() }),
  invalid: z.array(z.object({ row: z.number(), phone: z.string() })),
  error: z.string().optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  completedAt: z.string().optional(),
})

/** A do-not-call import as `GET /do-not-call/imports/:id` shows it. */
function doNotCallImportView(row: DoNotCallImportRow): z.infer<typeof DoNotCallImportSchema> {
  return {
    importId: row.id,
    status: row.status,
    ...fileProgress(row),
    rows: { total: row.total, added: row.added, invalid: row.invalid },
    invalid: row.invalid_rows,
    ...(row.error === null ? {} : { error: row.error }),
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    ...(row.completed_at === null ? {} : { completedAt: row.completed_at.toISOString() }),
  }
}

/** Do-not-call numbers: negatives of one upload, the global list and its imports. */
export const doNotCallRoutes = (deps: AppDeps) => {
  const admin = requireAdmin(deps.jwtSecret)
  const PhoneParams = phoneParams(deps.phoneRegion)
  const importOr404 = async (importId: string) => {
    const row = await findDoNotCallImport(deps.db, importId)
    if (row === undefined)
      throw new HttpProblem(404, 'import_not_found', `No do-not-call import ${importId}`)
    return row
  }
  return openApiApp()
    .openapi(
      createRoute({
        method: 'post',
        path: '/campaigns/{id}/uploads/{requestId}/negatives',
        operationId: 'uploadNegatives',
        summary: 'Upload do-not-call numbers for one contacts upload (admin) → 202',
        description:
          'CSV with a phone column, as text/csv or the file part of multipart/form-data.',
        ...adminOnly(admin),
        request: {
          params: CampaignParams.extend({ requestId: z.uuid() }),
          headers: IdempotencyHeaders,
        },
        responses: {
          202: acceptedResponse,
          ...problems(400, 401, 403, 404, 409, 413, 415, 422),
        },
      }),
      async (c) => {
        const { id, requestId } = c.req.valid('param')
        const accepted = await acceptUploadedFile(c, deps, {
          campaignId: id,
          kind: 'negatives',
          parentId: requestId,
        })
        return c.json(accepted, 202)
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/do-not-call',
        operationId: 'importDoNotCall',
        summary: 'Add a CSV of numbers to the global do-not-call list (admin) → 202',
        description:
          'CSV with a phone column, as text/csv or the file part of multipart/form-data; checked as a whole, then its numbers are added in the background. `Location` is the import.',
        ...adminOnly(admin),
        responses: {
          202: {
            description: 'Accepted',
            content: json(z.object({ importId: z.string(), status: z.literal('accepted') })),
          },
          ...problems(400, 401, 403, 413, 415),
        },
      }),
      async (c) => {
        const row = await acceptDoNotCall(deps, await uploadedFile(c), c.var.caller.userId)
        c.header('location', `/do-not-call/imports/${row.id}`)
        return c.json({ importId: row.id, status: 'accepted' as const }, 202)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/do-not-call/imports',
        operationId: 'listDoNotCallImports',
        summary: 'Do-not-call imports, newest first, without their rows not taken (admin)',
        description:
          'Pages of `limit` (default 100); when there may be more, `next` is the `before` of the next page.',
        ...adminOnly(admin),
        request: {
          query: z.object({
            limit: PageLimit,
            before: z.uuid().optional(),
          }),
        },
        responses: {
          200: {
            description: 'Imports',
            content: json(
              z.object({
                imports: z.array(DoNotCallImportSchema.omit({ invalid: true })),
                next: z.string().optional(),
              }),
            ),
          },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { limit, before } = c.req.valid('query')
        const after = before === undefined ? undefined : await importOr404(before)
        const rows = await listDoNotCallImports(deps.db, { before: after, limit })
        return c.json(
          {
            imports: rows.map((row) => {
              const { invalid: _rows, ...view } = doNotCallImportView(row)
              return view
            }),
            ...nextPage(rows, limit),
          },
          200,
        )
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/do-not-call/imports/{importId}',
        operationId: 'getDoNotCallImport',
        summary:
          'Where a do-not-call import is, its counts and its first 1000 rows not taken (admin)',
        ...adminOnly(admin),
        request: { params: z.object({ importId: z.uuid() }) },
        responses: {
          200: { description: 'The import', content: json(DoNotCallImportSchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        return c.json(doNotCallImportView(await importOr404(c.req.valid('param').importId)), 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/do-not-call/{phone}',
        operationId: 'getDoNotCall',
        summary:
          'Whether a number is on the global do-not-call list, since when and by whom (admin)',
        ...adminOnly(admin),
        request: { params: PhoneParams },
        responses: {
          200: {
            description: 'On the list',
            content: json(
              z.object({ phone: z.string(), addedBy: z.string(), addedAt: z.string() }),
            ),
          },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { phone } = c.req.valid('param')
        const found = await findDoNotCall(deps.db, phone)
        if (found === undefined) throw notListed(phone)
        return c.json(
          { phone, addedBy: found.added_by, addedAt: found.added_at.toISOString() },
          200,
        )
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/do-not-call/{phone}',
        operationId: 'removeDoNotCall',
        summary:
          'Take a number off the global do-not-call list (admin); tasks already NEGATIVE stay so',
        ...adminOnly(admin),
        request: { params: PhoneParams },
        responses: { 204: { description: 'Removed' }, ...problems(400, 401, 403, 404) },
      }),
      async (c) => {
        const { phone } = c.req.valid('param')
        if (!(await removeDoNotCall(deps.db, phone))) throw notListed(phone)
        // The number itself stays out of the log (personal data): its last digits say enough.
        deps.logger.info(
          { phoneEnding: phone.slice(-4), by: c.var.caller.userId },
          'number taken off do-not-call list',
        )
        return c.body(null, 204)
      },
    )
}
