import { describe, expect, it } from 'vitest'
import { emailHandler } from '../../../../operators/replay/handlers/email.rules.js'

const handle = (cell: string) => emailHandler.handle({ cell, options: {} })

describe('the email handler', () => {
  it('should keep addresses, lower-case them with a warning, and refuse the rest', () => {
    expect(handle('asha@example.org')).toEqual({ value: 'asha@example.org' })
    expect(handle(' Asha@Example.org')).toEqual({
      value: 'asha@example.org',
      warning: '" Asha@Example.org" written as asha@example.org',
    })
    expect(handle('asha@')).toMatchObject({ exception: { code: 'not_email' } })
  })
})
