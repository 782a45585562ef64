import { describe, expect, it } from 'vitest'
import { boundedWrites } from '../../../pipelines/runtime/bounded-writes.js'

const later = (ms: number, fail = false) =>
  new Promise<void>((resolve, reject) =>
    setTimeout(() => (fail ? reject(new Error('refused')) : resolve()), ms),
  )

describe('boundedWrites', () => {
  it('should keep at most the limit running, and wait for all on drain', async () => {
    const writes = boundedWrites(2)
    let running = 0
    let most = 0
    const write = async () => {
      running++
      most = Math.max(most, running)
      await later(5)
      running--
    }
    for (let i = 0; i < 6; i++) await writes.start(write)
    await writes.drain()
    expect(most).toBe(2)
    expect(running).toBe(0)
  })

  it('should report a failed write to the next start or to the drain', async () => {
    const writes = boundedWrites(2)
    await writes.start(() => later(1, true))
    await expect(writes.start(() => later(20))).rejects.toThrow('refused')
    const alone = boundedWrites(3)
    await alone.start(() => later(1, true))
    await expect(alone.drain()).rejects.toThrow('refused')
  })
})
