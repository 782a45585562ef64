import { describe, expect, it } from 'vitest'
import { groupBy, pushTo } from '../../operators/group-by.js'

describe('groupBy', () => {
  it('should keep every item under its key, in the order the items came', () => {
    const groups = groupBy(['b1', 'a1', 'b2', 'c1', 'a2'], (s) => s[0])
    expect([...groups]).toEqual([
      ['b', ['b1', 'b2']],
      ['a', ['a1', 'a2']],
      ['c', ['c1']],
    ])
  })

  it('should add to an existing list rather than replace it', () => {
    const map = new Map([['k', [1]]])
    pushTo(map, 'k', 2)
    pushTo(map, 'j', 3)
    expect([...map]).toEqual([
      ['k', [1, 2]],
      ['j', [3]],
    ])
  })
})
