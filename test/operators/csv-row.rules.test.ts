import { describe, expect, it } from 'vitest'
import { raggedMessage } from '../../operators/csv-row.rules.js'

describe('raggedMessage', () => {
  it('should name both counts, singular or plural', () => {
    expect(raggedMessage({ cells: 3, columns: 2 })).toBe(
      'the row has 3 cells, the header 2 columns',
    )
    expect(raggedMessage({ cells: 1, columns: 1 })).toBe('the row has 1 cell, the header 1 column')
  })
})
