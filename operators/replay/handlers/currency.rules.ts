import { isCurrencyCode } from '../../money.rules.js'
import { exception, type ColumnHandler } from '../column-handler.rules.js'

/** An ISO 4217 currency code in use (`EUR`); lower case is taken with a warning. */
export const currencyHandler: ColumnHandler = {
  name: 'currency',
  handle: ({ cell }) => {
    const value = cell.trim().toUpperCase()
    if (!isCurrencyCode(value))
      return exception('not_currency', `"${cell.trim()}" is not an ISO 4217 currency`)
    return value === cell ? { value } : { value, warning: `"${cell}" written as ${value}` }
  },
}
