import { z } from 'zod'
import { isCurrencyCode, parseDecimal } from '../../operators/money.rules.js'

/** A decimal id such as a user or item id, canonical (no leading zeros). */
export const DigitId = z
  .string()
  .regex(/^\d{1,20}$/, 'must be 1 to 20 decimal digits')
  .transform((id) => BigInt(id).toString())

/**
 * A positive decimal string such as `example`, with at most `integer` digits before the point
 * and `fraction` after; each way to miss says which (not a decimal, negative, too many digits,
 * zero).
 */
export function positiveDecimal(example: string, integer: number, fraction: number) {
  return z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, { message: `must be a decimal such as ${example}`, abort: true })
    .refine((value) => !value.startsWith('-'), { message: 'must be positive', abort: true })
    .refine(
      (value) => {
        const [whole = '', part = ''] = value.split('.')
        return whole.length <= integer && part.length <= fraction
      },
      {
        message: `must have at most ${integer} digits before the point and ${fraction} after`,
        abort: true,
      },
    )
    .refine((value) => (parseDecimal(value)?.units ?? 0n) > 0n, 'must be greater than zero')
}

/** A positive decimal amount such as `12.50`. */
export const PositiveAmount = positiveDecimal('12.50', 15, 8)

/** An ISO 4217 currency code. */
export const CurrencyCode = z
  .string()
  .refine(isCurrencyCode, 'must be an ISO 4217 code such as EUR')

/** An ISO 8601 time with a zone offset, as milliseconds since the epoch. */
export const Timestamp = z.iso
  .datetime({
    offset: true,
    message: 'must be an ISO 8601 time with a zone, such as 2026-11-22T10:00:00Z',
  })
  .transform((value) => Date.parse(value))

/** An entry of `purchase_events`, as producers write it. */
export const PurchaseEvent = z.object({
  userId: DigitId,
  itemId: DigitId,
  amount: PositiveAmount,
  currency: CurrencyCode,
  timestamp: Timestamp,
  eventId: z.string().min(1).max(200).optional(),
})
export type PurchaseEvent = z.infer<typeof PurchaseEvent>

/** An entry of `qualified_purchase_events`: one purchase counted for one campaign. */
export const QualifiedPurchase = z.object({
  eventId: z.string().min(1).max(200),
  userId: DigitId,
  campaignId: DigitId,
  amount: PositiveAmount,
  currency: CurrencyCode,
  timestamp: Timestamp,
})
export type QualifiedPurchase = z.infer<typeof QualifiedPurchase>

/** The stream fields of a qualified purchase, as a flat field/value list. */
export function qualifiedFields(q: QualifiedPurchase): string[] {
  return [
    'eventId',
    q.eventId,
    'userId',
    q.userId,
    'campaignId',
    q.campaignId,
    'amount',
    q.amount,
    'currency',
    q.currency,
    'timestamp',
    new Date(q.timestamp).toISOString(),
  ]
}
