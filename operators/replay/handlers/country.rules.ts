import { getCountries } from 'libphonenumber-js/min'
import { exception, type ColumnHandler } from '../column-handler.rules.js'

const COUNTRIES = new Set<string>(getCountries())

/** An ISO 3166-1 alpha-2 country code (`GB`); lower case is taken with a warning. */
export const countryHandler: ColumnHandler = {
  name: 'country',
  handle: ({ cell }) => {
    const value = cell.trim().toUpperCase()
    if (!COUNTRIES.has(value))
      return exception('not_country', `"${cell.trim()}" is not an ISO 3166 country code`)
    return value === cell ? { value } : { value, warning: `"${cell}" written as ${value}` }
  },
}
