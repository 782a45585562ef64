import { Readable } from 'node:stream'
import { createRoute, z } from '@hono/zod-openapi'
import {
  contentTypeOf,
  fileName,
  storeFile,
  storedFileOf,
} from '../pipelines/files/stored-files.js'
import type { Context } from 'hono'
import type { FileStore } from '../storage/filestore.js'
import type { StoredFileRow } from '../storage/postgres/stored-file.table.js'
import type { AppDeps } from './app-deps.js'
import { requireAuth } from './auth.js'
import { requestFile } from './file-body.js'
import { bearer, json, openApiApp, problems } from './openapi-app.js'

const StoredFileSchema = z.object({
  fileStoreId: z.string(),
  name: z.string(),
  contentType: z.string(),
  bytes: z.number(),
  sha256: z.string(),
})

/** `content-disposition` of a download: an ASCII fallback name and the exact one (RFC 6266). */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

/** A stored file's bytes as a download, with its type, size, name and SHA-256 (ETag). */
export function fileDownload(
  c: Context,
  files: FileStore,
  row: Pick<StoredFileRow, 'file_key' | 'content_type' | 'bytes' | 'name' | 'sha256'>,
): Response {
  return c.body(Readable.toWeb(files.read(row.file_key)) as unknown as ReadableStream, 200, {
    'content-type': row.content_type,
    'content-length': row.bytes,
    'content-disposition': attachment(row.name),
    etag: `"${row.sha256}"`,
  })
}

/** The filestore: keep a file, read it back. */
export const filesRoutes = (deps: AppDeps) =>
  openApiApp()
    .openapi(
      createRoute({
        method: 'post',
        path: '/files',
        operationId: 'storeFile',
        summary: 'Keep a file (a sheet to create from, say) → 201 with its fileStoreId',
        description: `The \`file\` part of \`multipart/form-data\` (named by its part), or the raw body of any type named by \`?name=\`; streamed, never buffered, at most MAX_UPLOAD_BYTES (${deps.maxUploadBytes} here; 413 beyond). A generic or missing type is told by the name's extension (\`.csv\`, \`.xlsx\`). Readable by its uploader and admins.`,
        security: bearer,
        middleware: [requireAuth(deps.jwtSecret)] as const,
        request: {
          query: z.object({
            name: z.string().max(1000).optional().openapi({
              description:
                "The file's name (required for a raw body; a form part's name otherwise)",
            }),
          }),
        },
        responses: {
          201: { description: 'Kept', content: json(StoredFileSchema) },
          ...problems(400, 401, 413, 415),
        },
      }),
      async (c) => {
        const file = await requestFile(c, {
          expected: 'Send the file as the body, or as the file part of multipart/form-data',
        })
        try {
          const name = fileName(c.req.valid('query').name ?? file.filename)
          const stored = await storeFile(
            deps,
            {
              source: file.stream,
              name,
              contentType: contentTypeOf(name, file.mimeType),
              createdBy: c.var.caller.userId,
            },
            deps.maxUploadBytes,
          )
          c.header('location', `/files/${stored.fileStoreId}`)
          return c.json(stored, 201)
        } finally {
          file.stream.resume() // the rest of a refused body is read and dropped
        }
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/files/{fileStoreId}',
        operationId: 'getFile',
        summary: 'A kept file: its bytes with their type, name and SHA-256 (ETag)',
        security: bearer,
        middleware: [requireAuth(deps.jwtSecret)] as const,
        request: { params: z.object({ fileStoreId: z.uuid() }) },
        responses: {
          200: {
            description: 'The bytes, with the type they were kept with',
            content: { '*/*': { schema: z.string().openapi({ format: 'binary' }) } },
          },
          ...problems(400, 401, 404),
        },
      }),
      async (c) => {
        const row = await storedFileOf(deps.db, c.req.valid('param').fileStoreId, c.var.caller)
        return fileDownload(c, deps.files, row)
      },
    )
