import { describe, expect, it } from 'vitest'
import { phoneHandler } from '../../../../operators/replay/handlers/phone.rules.js'

const handle = (cell: string, options = {}) => phoneHandler.handle({ cell, options })

describe('the phone handler', () => {
  it('should write numbers in E.164 for its region, with a warning when written otherwise', () => {
    expect(handle('+919876543210', { region: 'IN' })).toEqual({ value: '+919876543210' })
    expect(handle('098765 43210', { region: 'IN' })).toEqual({
      value: '+919876543210',
      warning: '"098765 43210" written as +919876543210',
    })
    expect(handle('12345', { region: 'IN' })).toMatchObject({ exception: { code: 'not_phone' } })
    expect(handle('+44 20 7946 0958')).toMatchObject({ value: '+442079460958' })
  })

  it('should refuse an unknown region when a client is saved', () => {
    expect(phoneHandler.optionsProblem?.({ region: 'XX' })).toContain('country code')
  })
})
