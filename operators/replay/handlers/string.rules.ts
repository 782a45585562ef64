import { exception, numberOption, type ColumnHandler } from '../column-handler.rules.js'

/** Text, trimmed; longer than `maxLength` (default 1,000) is an exception. A trim is a warning. */
export const stringHandler: ColumnHandler = {
  name: 'string',
  handle: ({ cell, options }) => {
    const value = cell.trim()
    const max = numberOption(options, 'maxLength', 1000)
    if (value.length > max)
      return exception('too_long', `is ${value.length} characters, more than ${max}`)
    return value === cell ? { value } : { value, warning: 'spaces around the text were removed' }
  },
}
