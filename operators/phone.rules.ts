import {
  isSupportedCountry,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js/min'

/** A region whose numbering plan reads numbers written without `+` (ISO 3166 alpha-2). */
export type PhoneRegion = CountryCode

/** True when `code` is a region whose numbering plan is known, such as `IN`. */
export function isPhoneRegion(code: string): code is PhoneRegion {
  return isSupportedCountry(code)
}

const DIGITS = /^\+?\d{7,15}$/
/** What a phone may be written with besides digits and a leading `+`. */
const SEPARATORS = /[\s\-.()]/g

/**
 * Reads a phone as uploads, negatives, the do-not-call list and its routes store it, so that one
 * number written several ways is one number everywhere.
 *
 * - Without a region: spaces and dashes removed, 7–15 digits with an optional leading `+`
 *   (`+91 98765-43210` → `+919876543210`).
 * - With a region (`PHONE_REGION`), the number in E.164: `98765 43210`, `098765 43210`,
 *   `91 98765 43210`, `0091 98765 43210` and `+91 (98765) 43210` are all `+919876543210` for
 *   `IN`; a number must be valid for its country (its length and leading digits, by
 *   libphonenumber's compact metadata).
 *
 * Undefined when the number is not one.
 */
export function normalizePhone(raw: string, region?: PhoneRegion): string | undefined {
  if (region === undefined) {
    const phone = raw.replace(/[\s-]/g, '')
    return DIGITS.test(phone) ? phone : undefined
  }
  const written = raw.replace(SEPARATORS, '')
  if (!/^\+?\d{1,17}$/.test(written)) return undefined
  const parsed = parsePhoneNumberFromString(written, region)
  return parsed?.isValid() === true ? parsed.number : undefined
}

/** What a phone must be, for the `invalid_phone` message. */
export function phoneExpectation(region?: PhoneRegion): string {
  return region === undefined
    ? '7 to 15 digits with an optional +'
    : `a phone number of ${region}, or one starting with + and its country code`
}
