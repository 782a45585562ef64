import { describe, expect, it } from 'vitest'
import { escapeFormula } from '../../../operators/reports/formula-escape.rules.js'

describe('escapeFormula', () => {
  it('should prefix text that a spreadsheet would run as a formula', () => {
    for (const text of ['=1+2', '+31 6', '-2+3', '@SUM(A1)', '\t=x', '\r=x'])
      expect(escapeFormula(text)).toBe(`'${text}`)
  })

  it('should leave other text as it is', () => {
    for (const text of ['plain', '', ' =not first', "'quoted", '1=1', 'a-b'])
      expect(escapeFormula(text)).toBe(text)
  })
})
