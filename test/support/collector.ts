import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A request the collection server received. */
export interface Collected {
  method: string
  url: string
  body: string
  key: string
}

/** What the server answers a request: a status (and a delay, for timeouts). */
export type Answer = { status: number; delayMs?: number; retryAfter?: string }

/**
 * A local collection endpoint that records every request (with its `Idempotency-Key`) and
 * answers as `answer` says, 200 by default. `received` lists every request, `keys` each key once.
 */
export async function collector(
  answer: (request: Collected, seen: number) => Answer = () => ({ status: 200 }),
) {
  const received: Collected[] = []
  const seen = new Map<string, number>()
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => resolve(Buffer.concat(chunks).toString()))
    })
  const server = createServer((req, res) => {
    void read(req).then((body) => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        body,
        key: String(req.headers['idempotency-key'] ?? ''),
      }
      received.push(request)
      const n = (seen.get(request.key) ?? 0) + 1
      seen.set(request.key, n)
      const a = answer(request, n)
      setTimeout(() => {
        if (res.destroyed) return
        res.writeHead(a.status, a.retryAfter === undefined ? {} : { 'retry-after': a.retryAfter })
        res.end(JSON.stringify({ ok: a.status < 300 }))
      }, a.delayMs ?? 0)
    })
  })
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/collect`,
    received,
    /** How many times each key was received. */
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
