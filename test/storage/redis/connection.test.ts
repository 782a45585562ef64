import { createServer, connect, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createRedis, reportConnection } from '../../../storage/redis/connection.js'
import { eventually, testRedisUrl } from '../../support/services.js'

/** A port nothing listens on yet: taken from the OS, then released. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Opens `port` as a plain TCP relay to the test Redis: Redis "comes back" there. */
async function relay(port: number): Promise<Server> {
  const target = new URL(testRedisUrl)
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => socket.destroy())
      socket.on('close', () => sockets.delete(socket))
    }
    client.pipe(upstream).pipe(client)
  })
  server.on('close', () => sockets.forEach((s) => s.destroy()))
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return server
}

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step()
})

describe('reportConnection', () => {
  it('should report a failing connection once per interval, then its recovery, and run the waiting command', async () => {
    const port = await freePort()
    const redis = createRedis(`redis://127.0.0.1:${port}`, { retryStrategy: () => 20 })
    cleanup.push(() => redis.disconnect())
    const failed: number[] = []
    let restored = 0
    reportConnection(
      redis,
      { failed: (_error, since) => failed.push(since), restored: () => restored++ },
      60_000,
    )
    const answer = redis.ping()
    // Reconnect attempts every 20 ms fail; only the first is reported within the interval.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(failed).toEqual([1])
    expect(restored).toBe(0)

    const server = await relay(port)
    cleanup.push(() => new Promise((resolve) => server.close(resolve)))
    await eventually(() => Promise.resolve(restored === 1))
    expect(await answer).toBe('PONG')
    expect(failed).toEqual([1])
  })
})
