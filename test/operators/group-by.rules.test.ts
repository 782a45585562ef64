import { describe, expect, it } from 'vitest'
import { groupBy, groupOf, pushTo } from '../../operators/group-by.rules.js'

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

  it('should make a group once and hand back the same one for its key', () => {
    const map = new Map<string, { n: number }>()
    let made = 0
    const make = () => ({ n: ++made })
    groupOf(map, 'k', make).n += 10
    expect(groupOf(map, 'k', make)).toEqual({ n: 11 })
    expect(groupOf(map, 'j', make)).toEqual({ n: 2 })
    expect(made).toBe(2)
  })
})
