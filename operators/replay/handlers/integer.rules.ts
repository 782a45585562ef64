import { exception, type ColumnHandler } from '../column-handler.rules.js'

const INTEGER = /^[+-]?\d{1,15}$/
const GROUPED = /^[+-]?\d{1,3}(,\d{3})+$/

/** A whole number; `1,234` is read as 1234 with a warning; anything else is an exception. */
export const integerHandler: ColumnHandler = {
  name: 'integer',
  handle: ({ cell }) => {
    const text = cell.trim()
    if (INTEGER.test(text)) return { value: Number(text) }
    if (GROUPED.test(text))
      return { value: Number(text.replace(/,/g, '')), warning: 'thousands separators removed' }
    return exception('not_integer', `"${text}" is not a whole number`)
  },
}
