import { fractionDigits, isCurrencyCode, toMinor } from '../../money.rules.js'
import { exception, type ColumnHandler } from '../column-handler.rules.js'

/**
 * An amount with its ISO 4217 currency, written `12.50 EUR` (or the amount alone, with the
 * `currency` option): `{amount, currency}` with the amount in the currency's digits.
 */
export const moneyHandler: ColumnHandler = {
  name: 'money',
  optionsProblem: (options) =>
    options.currency === undefined ||
    (typeof options.currency === 'string' && isCurrencyCode(options.currency))
      ? undefined
      : 'currency must be an ISO 4217 code such as EUR',
  handle: ({ cell, options }) => {
    const [amount = '', code] = cell.trim().split(/\s+/)
    const currency = (code ?? (options.currency as string | undefined) ?? '').toUpperCase()
    if (!isCurrencyCode(currency))
      return exception('bad_currency', `"${currency}" is not an ISO 4217 currency`)
    if (toMinor(amount, currency) === undefined)
      return exception('bad_amount', `"${amount}" is not an amount in ${currency}`)
    const digits = fractionDigits(currency)
    const fixed = Number(amount).toFixed(digits)
    return fixed === amount
      ? { value: { amount, currency } }
      : { value: { amount: fixed, currency }, warning: `amount written with ${digits} decimals` }
  },
}
