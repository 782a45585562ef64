/** Money helpers: amounts are exact decimals, stored as integer minor units (bigint). */

/**
 * The largest purchase counted, in the base currency's minor units (1,000,000,000,000.00 in a
 * currency of two decimals); a larger one is dead-lettered.
 */
export const MAX_PURCHASE_MINOR = 10n ** 14n
/**
 * The largest total a user may reach in one campaign, in minor units: 2^53 − 1, so that every
 * total is exact as a sorted-set score (a double) and the ranking never rounds. A purchase that
 * would pass it is dead-lettered (Postgres holds the limit as a check constraint).
 */
export const MAX_TOTAL_MINOR = 2n ** 53n - 1n

const DECIMAL = /^(\d+)(?:\.(\d+))?$/

// Intl.NumberFormat is costly to build; a currency's minor unit never changes.
const digitsByCurrency = new Map<string, number>()

/** Digits after the decimal point for an ISO 4217 currency (USD 2, JPY 0, KWD 3). */
export function fractionDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency)
  if (digits === undefined) {
    const format = new Intl.NumberFormat('en', { style: 'currency', currency })
    digits = format.resolvedOptions().maximumFractionDigits ?? 2
    digitsByCurrency.set(currency, digits)
  }
  return digits
}

/**
 * ISO 4217 codes in use, as the platform's ICU lists them (`Intl.NumberFormat` formats any three
 * letters, `XXZ` too, so it cannot tell).
 */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'))

/** True for an ISO 4217 currency code in use (upper case, such as EUR). */
export function isCurrencyCode(code: string): boolean {
  return CURRENCIES.has(code)
}

interface Decimal {
  units: bigint
  scale: number
}

/** Parses a non-negative decimal string exactly; undefined when malformed. */
export function parseDecimal(value: string): Decimal | undefined {
  const match = DECIMAL.exec(value)
  if (match === null) return undefined
  const fraction = match[2] ?? ''
  return { units: BigInt((match[1] ?? '') + fraction), scale: fraction.length }
}

/** `"12.50"` in EUR → `1250n`; undefined when malformed or more precise than the currency. */
export function toMinor(value: string, currency: string): bigint | undefined {
  const parsed = parseDecimal(value)
  const digits = fractionDigits(currency)
  if (parsed === undefined || parsed.scale > digits) return undefined
  return parsed.units * 10n ** BigInt(digits - parsed.scale)
}

/** `1250n` in EUR → `"12.50"`. */
export function formatMinor(minor: bigint, currency: string): string {
  const digits = fractionDigits(currency)
  const negative = minor < 0n
  const text = (negative ? -minor : minor).toString().padStart(digits + 1, '0')
  const whole = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`
  return negative ? `-${whole}` : whole
}

/** `amount × rate` in the base currency's minor units, rounded half-up. */
export function convertToMinor(amount: string, rate: string, baseCurrency: string): bigint {
  const a = parseDecimal(amount)
  const r = parseDecimal(rate)
  if (a === undefined || r === undefined) throw new RangeError(`not a decimal: ${amount} × ${rate}`)
  const scale = a.scale + r.scale - fractionDigits(baseCurrency)
  const product = a.units * r.units
  if (scale <= 0) return product * 10n ** BigInt(-scale)
  const divisor = 10n ** BigInt(scale)
  return (product + divisor / 2n) / divisor
}

/** JSON money as the HTTP contract spells it. */
export interface Money {
  value: string
  currency: string
}

/** Minor units plus currency → `{ value, currency }`. */
export function money(minor: bigint | string, currency: string): Money {
  return { value: formatMinor(BigInt(minor), currency), currency }
}
