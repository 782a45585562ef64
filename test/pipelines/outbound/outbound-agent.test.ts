import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { outboundPolicy } from '../../../operators/outbound.rules.js'
import { OutboundRefused, outboundAgent } from '../../../pipelines/outbound/outbound-agent.js'

let server: Server
let port: number
let calls = 0
beforeAll(async () => {
  server = createServer((req, res) => {
    calls++
    res.end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** What a GET of `url` through an agent of `allow` gives: its body, or the error's class. */
async function get(allow: string | undefined, url: string): Promise<string> {
  const agent = outboundAgent(outboundPolicy(allow))
  try {
    const res = await request(url, { dispatcher: agent })
    return await res.body.text()
  } catch (error) {
    const refused =
      error instanceof OutboundRefused || (error as Error).cause instanceof OutboundRefused
    return refused ? `refused: ${(error as Error).message}` : `failed: ${String(error)}`
  } finally {
    await agent.close()
  }
}

describe('outboundAgent', () => {
  it('should refuse at connect time a loopback address, and a name resolving to one, unless listed', async () => {
    const before = calls
    expect(await get(undefined, `http://127.0.0.1:${port}/`)).toMatch(/^refused: .*loopback/)
    // The name passes a save-time check that cannot resolve it; the resolved address does not.
    expect(await get('*.localhost,*', `http://localhost:${port}/`)).toMatch(/^refused: .*loopback/)
    expect(await get('10.0.0.0/8', `http://127.0.0.1:${port}/`)).toMatch(/^refused/)
    expect(calls).toBe(before) // nothing reached the server
    expect(await get('127.0.0.0/8', `http://127.0.0.1:${port}/`)).toBe('ok')
    expect(await get('localhost', `http://localhost:${port}/`)).toBe('ok')
    expect(calls).toBe(before + 2)
  })
})
