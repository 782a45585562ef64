import { describe, expect, it } from 'vitest'
import { scoreMinor } from '../../../storage/redis/leaderboard.js'

describe('scoreMinor', () => {
  it('should read plain digits exactly and an exponent through its double', () => {
    expect(scoreMinor('9007199254740991')).toBe(9_007_199_254_740_991n)
    expect(scoreMinor('0')).toBe(0n)
    expect(scoreMinor('3e+17')).toBe(300_000_000_000_000_000n)
    expect(() => scoreMinor('inf')).toThrow(RangeError)
  })
})
