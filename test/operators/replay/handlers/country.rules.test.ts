import { describe, expect, it } from 'vitest'
import { countryHandler } from '../../../../operators/replay/handlers/country.rules.js'

const handle = (cell: string) => countryHandler.handle({ cell, options: {} })

describe('the country handler', () => {
  it('should take ISO 3166 codes, upper-case them with a warning, and refuse the rest', () => {
    expect(handle('GB')).toEqual({ value: 'GB' })
    expect(handle('in')).toEqual({ value: 'IN', warning: '"in" written as IN' })
    expect(handle('UK')).toMatchObject({ exception: { code: 'not_country' } })
  })
})
