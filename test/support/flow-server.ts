import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http'
import type { AddressInfo } from 'node:net'

/** A call the flow server received. */
export interface FlowCall {
  taskId: string
  phone: string
  slot: number
  date: string
  attempt: number
  retriggered: boolean
  data: Record<string, string>
  /** The request's headers (not part of the body). */
  headers: IncomingHttpHeaders
}

/** A real local HTTP flow endpoint; `answer` picks the reply per call. */
export async function flowServer(
  answer: (call: FlowCall) => { status: number; body?: unknown; delayMs?: number } = () => ({
    status: 200,
  }),
): Promise<{ url: string; calls: FlowCall[]; close(): Promise<void> }> {
  const calls: FlowCall[] = []
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = JSON.parse(Buffer.concat(chunks).toString()) as Omit<FlowCall, 'headers'>
    return { ...body, headers: req.headers }
  }
  const server: Server = createServer((req, res) => {
    read(req)
      .then(async (call) => {
        calls.push(call)
        const reply = answer(call)
        if (reply.delayMs !== undefined) await new Promise((r) => setTimeout(r, reply.delayMs))
        res.writeHead(reply.status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(reply.body ?? {}))
      })
      .catch(() => {
        res.writeHead(400).end()
      })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/flow`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
