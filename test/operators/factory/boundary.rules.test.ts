import { describe, expect, it } from 'vitest'
import { boundaryProblems } from '../../../operators/factory/boundary.rules.js'

const levels = ['state', 'district', 'village']
const b = (code: string, level: string, parentCode: string | null = null) => ({
  code,
  level,
  parentCode,
})

describe('boundaryProblems', () => {
  it('should take a tree whose parents are known or given, in any order', () => {
    const known = new Map([['KA', 'state']])
    expect(
      boundaryProblems(levels, [b('V1', 'village', 'D1'), b('D1', 'district', 'KA')], known),
    ).toEqual([])
  })

  it('should name each problem by index, column and code', () => {
    expect(
      boundaryProblems(
        levels,
        [
          b('X', 'county'),
          b('D2', 'district'),
          b('D3', 'district', 'NOPE'),
          b('V2', 'village', 'KA'),
          b('TN', 'state', 'KA'),
        ],
        new Map([['KA', 'state']]),
      ),
    ).toEqual([
      {
        index: 0,
        column: 'level',
        code: 'unknown_level',
        message: 'must be one of state, district, village',
      },
      {
        index: 1,
        column: 'parentCode',
        code: 'parent_required',
        message: 'a district needs a parent',
      },
      { index: 2, column: 'parentCode', code: 'unknown_parent', message: 'no boundary NOPE' },
      {
        index: 3,
        column: 'parentCode',
        code: 'wrong_parent_level',
        message: 'must be a district, not a state',
      },
      {
        index: 4,
        column: 'parentCode',
        code: 'wrong_parent_level',
        message: 'must be a (none: the top level has no parent), not a state',
      },
    ])
  })
})
