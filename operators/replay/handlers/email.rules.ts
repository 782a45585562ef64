import { z } from 'zod'
import { exception, type ColumnHandler } from '../column-handler.rules.js'

const Email = z.email()

/** An email address, trimmed and lower-cased (with a warning when that changed it). */
export const emailHandler: ColumnHandler = {
  name: 'email',
  handle: ({ cell }) => {
    const value = cell.trim().toLowerCase()
    if (!Email.safeParse(value).success)
      return exception('not_email', `"${cell.trim()}" is not an email address`)
    return value === cell ? { value } : { value, warning: `"${cell}" written as ${value}` }
  },
}
