import { hash } from 'node:crypto'
import { exception, type ColumnHandler } from '../column-handler.rules.js'

/**
 * The SHA-256 (hex) of personal data, trimmed and lower-cased first (the `raw` option keeps it as
 * written), so the value itself never leaves; an empty cell is an exception.
 */
export const sha256Handler: ColumnHandler = {
  name: 'sha256',
  handle: ({ cell, options }) => {
    const text = options.raw === true ? cell : cell.trim().toLowerCase()
    if (text === '') return exception('empty', 'there is nothing to hash')
    return { value: hash('sha256', text, 'hex') }
  },
}
