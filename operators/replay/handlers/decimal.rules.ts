import { parseDecimal } from '../../money.rules.js'
import { exception, type ColumnHandler } from '../column-handler.rules.js'

const isDecimal = (text: string) => parseDecimal(text.replace(/^-/, '')) !== undefined

/**
 * A decimal number, negative too, kept as exact text (`12.50`); a comma as decimal mark is read
 * with a warning.
 */
export const decimalHandler: ColumnHandler = {
  name: 'decimal',
  handle: ({ cell }) => {
    const text = cell.trim()
    if (isDecimal(text)) return { value: text }
    const dotted = text.replace(',', '.')
    if (/^-?\d+,\d+$/.test(text) && isDecimal(dotted))
      return { value: dotted, warning: 'a comma was read as the decimal mark' }
    return exception('not_decimal', `"${text}" is not a decimal number`)
  },
}
