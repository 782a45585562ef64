import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { z } from '@hono/zod-openapi'
import busboy from 'busboy'
import type { Context } from 'hono'
import { acceptUpload } from '../../pipelines/outreach/uploads.js'
import type { UploadKind } from '../../storage/postgres/outreach/upload-request.table.js'
import type { AppDeps } from '../app-deps.js'
import type { AuthEnv } from '../auth.js'
import { json } from '../openapi-app.js'
import { HttpProblem } from '../problem.js'

/**
 * The uploaded CSV as a stream, never buffered: a `text/csv` body as it is, or the `file` part
 * of a `multipart/form-data` body.
 */
export function uploadedFile(c: Context): Promise<Readable> {
  const type = c.req.header('content-type') ?? ''
  const body = c.req.raw.body
  if (body === null)
    return Promise.reject(new HttpProblem(400, 'empty_file', 'The request has no body'))
  const stream = Readable.fromWeb(body as WebReadableStream<Uint8Array>)
  if (/^text\/(csv|plain)\b/i.test(type)) return Promise.resolve(stream)
  if (!/^multipart\/form-data\b/i.test(type)) {
    stream.destroy()
    return Promise.reject(
      new HttpProblem(
        415,
        'unsupported_media_type',
        'Send text/csv or multipart/form-data with a file part',
      ),
    )
  }
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy
    try {
      parser = busboy({ headers: { 'content-type': type }, limits: { files: 1 } })
    } catch (error) {
      // A multipart type without a boundary, say: busboy refuses it as it starts.
      stream.destroy()
      reject(new HttpProblem(400, 'malformed_multipart', (error as Error).message))
      return
    }
    let found = false
    parser.on('file', (name, file) => {
      if (name !== 'file' || found) {
        file.resume()
        return
      }
      found = true
      resolve(file)
    })
    parser.on('error', (error) =>
      reject(new HttpProblem(400, 'malformed_multipart', (error as Error).message)),
    )
    parser.on('close', () => {
      if (!found) reject(new HttpProblem(400, 'missing_file', 'The form has no part named file'))
    })
    stream.pipe(parser)
  })
}

/** The optional `Idempotency-Key` of an upload request. */
export const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 visible ASCII characters, such as a UUID')
    .optional()
    .openapi({
      description:
        'Sent again with a retry, it answers with the upload made the first time instead of making another',
    }),
})

/** The OpenAPI description of an upload's 202 answer. */
export const acceptedResponse = {
  description:
    'Accepted: queued for upload-split; `Location` is its status. `Idempotent-Replayed: true` when an earlier request with the same `Idempotency-Key` made it.',
  content: json(z.object({ requestId: z.string(), status: z.literal('accepted') })),
}

/**
 * Accepts the request's CSV as an upload of `campaignId` by the caller: stored, checked and
 * queued for upload-split. Sets `Location`; returns the 202 body.
 */
export async function acceptUploadedFile(
  c: Context<AuthEnv, string, object>,
  deps: AppDeps,
  input: { campaignId: string; kind: UploadKind; parentId?: string },
): Promise<{ requestId: string; status: 'accepted' }> {
  const { row, replayed } = await acceptUpload(deps, {
    ...input,
    file: await uploadedFile(c),
    createdBy: c.var.caller.userId,
    idempotencyKey: c.req.header('idempotency-key'),
  })
  c.header('location', `/campaigns/${input.campaignId}/uploads/${row.id}`)
  if (replayed) c.header('idempotent-replayed', 'true')
  return { requestId: row.id, status: 'accepted' }
}
