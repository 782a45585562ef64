import { describe, expect, it } from 'vitest'
import { sha256Handler } from '../../../../operators/replay/handlers/sha256.rules.js'

const handle = (cell: string, options = {}) => sha256Handler.handle({ cell, options })

describe('the sha256 handler', () => {
  it('should hash trimmed, lower-cased text, or text as written when asked', () => {
    expect(handle(' Foo@Example.com ')).toEqual(handle('foo@example.com'))
    expect(handle('abc')).toEqual({
      value: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    })
    expect(handle('Abc', { raw: true })).not.toEqual(handle('abc'))
    expect(handle('  ')).toMatchObject({ exception: { code: 'empty' } })
  })
})
