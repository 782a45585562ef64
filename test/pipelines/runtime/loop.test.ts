import { describe, expect, it } from 'vitest'
import { startGuardedLoop } from '../../../pipelines/runtime/loop.js'

describe('a guarded loop', () => {
  it('should log a pass that throws and go on with the next', async () => {
    const warned: string[] = []
    let passes = 0
    let done: () => void = () => undefined
    const third = new Promise<void>((resolve) => (done = resolve))
    const loop = startGuardedLoop(
      { warn: (_fields: object, message: string) => warned.push(message) } as never,
      'test sweep',
      async () => {
        passes++
        if (passes === 1) throw new Error('lost connection')
        if (passes === 3) done()
        return true
      },
      5,
    )
    await third
    await loop.stop()
    expect(warned).toEqual(['test sweep failed'])
    expect(passes).toBe(3)
  })
})
