import { createRoute, z } from '@hono/zod-openapi'
import { stream } from 'hono/streaming'
import { csvCell } from '../pipelines/outreach-reports.js'
import { uploadOf } from '../pipelines/outreach-uploads.js'
import { allUploadErrors, listUploadErrors } from '../storage/postgres/upload-request.repository.js'
import type { UploadErrorRow, UploadRequestRow } from '../storage/postgres/upload-request.table.js'
import type { AppDeps } from './app-deps.js'
import { requireAdmin } from './auth.js'
import { bearer, json, openApiApp, problems } from './openapi-app.js'
import { acceptUploadedFile, acceptedResponse } from './upload-body.js'

const Params = z.object({ id: z.string().regex(/^\d{1,18}$/, 'must be a campaign id') })
const RequestParams = Params.extend({ requestId: z.uuid() })
const ErrorSchema = z.object({
  row: z.number(),
  column: z.string(),
  code: z.string(),
  message: z.string(),
})
const StatusSchema = z.object({
  requestId: z.string(),
  kind: z.enum(['contacts', 'negatives']),
  status: z.enum(['accepted', 'processing', 'completed', 'failed']),
  rows: z.object({
    total: z.number(),
    accepted: z.number(),
    invalid: z.number(),
    duplicate: z.number(),
    negative: z.number(),
  }),
  numbers: z.number().optional(),
  cancelledTasks: z.number().optional(),
  error: z.string().optional(),
  errors: z.array(ErrorSchema),
})
const FILE_DOC =
  'The CSV as a `text/csv` body or as the `file` part of `multipart/form-data`; streamed, never buffered.'

/** The status answer of an upload. */
export function uploadStatus(row: UploadRequestRow, errors: UploadErrorRow[]) {
  return {
    requestId: row.id,
    kind: row.kind,
    status: row.status,
    rows: {
      total: row.total,
      accepted: row.accepted,
      invalid: row.invalid,
      duplicate: row.duplicate,
      negative: row.negative,
    },
    ...(row.kind === 'negatives'
      ? { numbers: row.accepted, cancelledTasks: row.cancelled_tasks }
      : {}),
    ...(row.error === null ? {} : { error: row.error }),
    errors: errors.map((e) => ({ row: e.row, column: e.column, code: e.code, message: e.message })),
  }
}

/** Contact uploads: accept, status, errors as CSV. */
export const uploadsRoutes = (deps: AppDeps) =>
  openApiApp()
    .openapi(
      createRoute({
        method: 'post',
        path: '/campaigns/{id}/uploads',
        summary: 'Upload contacts (admin): CSV with a phone column → 202',
        description: FILE_DOC,
        security: bearer,
        middleware: [requireAdmin(deps.jwtSecret)] as const,
        request: { params: Params },
        responses: {
          202: acceptedResponse,
          ...problems(400, 401, 403, 404, 409, 413, 415),
        },
      }),
      async (c) => {
        const campaignId = c.req.valid('param').id
        return c.json(await acceptUploadedFile(c, deps, { campaignId, kind: 'contacts' }), 202)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/campaigns/{id}/uploads/{requestId}',
        summary: 'Where an upload is, its row counts and its first 1000 row errors (admin)',
        security: bearer,
        middleware: [requireAdmin(deps.jwtSecret)] as const,
        request: { params: RequestParams },
        responses: {
          200: { description: 'Status', content: json(StatusSchema) },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { id, requestId } = c.req.valid('param')
        const row = await uploadOf(deps.db, id, requestId)
        return c.json(uploadStatus(row, await listUploadErrors(deps.db, requestId, 1000)), 200)
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/campaigns/{id}/uploads/{requestId}/errors.csv',
        summary: 'Every row error of an upload as CSV (row, column, code, message) (admin)',
        security: bearer,
        middleware: [requireAdmin(deps.jwtSecret)] as const,
        request: { params: RequestParams },
        responses: {
          200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
          ...problems(400, 401, 403, 404),
        },
      }),
      async (c) => {
        const { id, requestId } = c.req.valid('param')
        await uploadOf(deps.db, id, requestId)
        c.header('content-type', 'text/csv; charset=utf-8')
        c.header('content-disposition', `attachment; filename="${requestId}-errors.csv"`)
        return stream(c, async (out) => {
          await out.write('row,column,code,message\n')
          for await (const page of allUploadErrors(deps.db, requestId)) {
            await out.write(
              page
                .map((e) => [e.row, e.column, e.code, e.message].map(csvCell).join(','))
                .join('\n') + '\n',
            )
          }
        })
      },
    )
