import { parseDecimal } from '../../money.rules.js'
import { exception, type ColumnHandler } from '../column-handler.rules.js'

/** A decimal number kept as exact text (`12.50`); a comma as decimal mark is read with a warning. */
export const decimalHandler: ColumnHandler = {
  name: 'decimal',
  handle: ({ cell }) => {
    const text = cell.trim()
    if (parseDecimal(text) !== undefined) return { value: text }
    const dotted = text.replace(',', '.')
    if (/^-?\d+,\d+$/.test(text) && parseDecimal(dotted) !== undefined)
      return { value: dotted, warning: 'a comma was read as the decimal mark' }
    return exception('not_decimal', `"${text}" is not a decimal number`)
  },
}
