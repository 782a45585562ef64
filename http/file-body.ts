import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import busboy from 'busboy'
import type { Context } from 'hono'
import { HttpProblem } from './problem.js'

/** A file sent in a request, as a stream, with what the sender said of it. */
export interface RequestFile {
  stream: Readable
  /** The multipart part's file name; undefined for a raw body. */
  filename?: string | undefined
  /** The part's type, or the body's; undefined when none was given. */
  mimeType?: string | undefined
  /** The form's fields sent before the file part (at most 20, 1,000 characters each). */
  fields: Record<string, string>
}

/** Which bodies a route takes as a file besides a multipart `file` part. */
export interface FileBodyOptions {
  /** Raw body types taken as the file; any type when unset. */
  raw?: RegExp
  /** What the 415 says to send. */
  expected: string
}

/**
 * The file a request carries, streamed, never buffered: the raw body (of a type `options.raw`
 * accepts) or the `file` part of a `multipart/form-data` body.
 */
export function requestFile(c: Context, options: FileBodyOptions): Promise<RequestFile> {
  const type = c.req.header('content-type') ?? ''
  const body = c.req.raw.body
  if (body === null)
    return Promise.reject(new HttpProblem(400, 'empty_file', 'The request has no body'))
  const stream = Readable.fromWeb(body as WebReadableStream<Uint8Array>)
  const multipart = /^multipart\/form-data\b/i.test(type)
  if (!multipart && (options.raw === undefined || options.raw.test(type)))
    return Promise.resolve({ stream, mimeType: type === '' ? undefined : type, fields: {} })
  if (!multipart) {
    stream.destroy()
    return Promise.reject(new HttpProblem(415, 'unsupported_media_type', options.expected))
  }
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy
    try {
      parser = busboy({
        headers: { 'content-type': type },
        limits: { files: 1, fields: 20, fieldSize: 1000 },
        defParamCharset: 'utf8', // file names as browsers and curl send them
      })
    } catch (error) {
      // A multipart type without a boundary, say: busboy refuses it as it starts.
      stream.destroy()
      reject(new HttpProblem(400, 'malformed_multipart', (error as Error).message))
      return
    }
    let found = false
    const fields: Record<string, string> = {}
    parser.on('field', (name, value) => {
      if (!found) fields[name] = value
    })
    parser.on('file', (name, file, info) => {
      if (name !== 'file' || found) {
        file.resume()
        return
      }
      found = true
      resolve({ stream: file, filename: info.filename, mimeType: info.mimeType, fields })
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

/**
 * The uploaded CSV as a stream: a `text/csv` body as it is, or the `file` part of a
 * `multipart/form-data` body.
 */
export async function uploadedFile(c: Context): Promise<Readable> {
  const file = await requestFile(c, {
    raw: /^text\/(csv|plain)\b/i,
    expected: 'Send text/csv or multipart/form-data with a file part',
  })
  return file.stream
}
