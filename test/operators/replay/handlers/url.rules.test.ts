import { describe, expect, it } from 'vitest'
import { urlHandler } from '../../../../operators/replay/handlers/url.rules.js'

const handle = (cell: string) => urlHandler.handle({ cell, options: {} })

describe('the url handler', () => {
  it('should keep http(s) URLs as the parser writes them, and refuse the rest', () => {
    expect(handle('https://shop.example.com/a?b=1')).toEqual({
      value: 'https://shop.example.com/a?b=1',
    })
    expect(handle('HTTPS://Shop.Example.com')).toEqual({
      value: 'https://shop.example.com/',
      warning: 'written as https://shop.example.com/',
    })
    for (const bad of ['javascript:alert(1)', 'shop.example.com', 'ftp://x'])
      expect(handle(bad)).toMatchObject({ exception: { code: 'not_url' } })
  })
})
