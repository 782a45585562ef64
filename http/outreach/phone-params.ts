import { z } from '@hono/zod-openapi'
import { normalizePhone, phoneExpectation, type PhoneRegion } from '../../operators/phone.rules.js'

/** A phone in the path, read as uploads store it. */
export const phoneParams = (region: PhoneRegion | undefined) =>
  z.object({
    phone: z.string().transform((raw, ctx) => {
      const phone = normalizePhone(raw, region)
      if (phone === undefined) ctx.addIssue({ code: 'custom', message: phoneExpectation(region) })
      return phone ?? raw
    }),
  })
