import { isPhoneRegion, normalizePhone, phoneExpectation } from '../../phone.rules.js'
import { exception, type ColumnHandler } from '../column-handler.rules.js'

const regionOf = (options: Readonly<Record<string, unknown>>) =>
  typeof options.region === 'string' && isPhoneRegion(options.region) ? options.region : undefined

/**
 * A phone number: in E.164 for the `region` option (`IN`: `098765 43210` is `+919876543210`),
 * else digits with an optional `+`; a number written otherwise is kept so, with a warning.
 */
export const phoneHandler: ColumnHandler = {
  name: 'phone',
  optionsProblem: (options) =>
    options.region === undefined || regionOf(options) !== undefined
      ? undefined
      : 'region must be a country code such as IN',
  handle: ({ cell, options }) => {
    const region = regionOf(options)
    const value = normalizePhone(cell.trim(), region)
    if (value === undefined)
      return exception('not_phone', `"${cell.trim()}" is not ${phoneExpectation(region)}`)
    return value === cell ? { value } : { value, warning: `"${cell}" written as ${value}` }
  },
}
