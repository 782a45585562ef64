import { exception, type ColumnHandler } from '../column-handler.rules.js'

const TRUE = new Set(['true', 'yes', 'y', '1'])
const FALSE = new Set(['false', 'no', 'n', '0'])

/** `true`/`false`; `yes`, `y`, `1` (and their opposites) in any case, with a warning. */
export const booleanHandler: ColumnHandler = {
  name: 'boolean',
  handle: ({ cell }) => {
    const text = cell.trim().toLowerCase()
    const value = TRUE.has(text) ? true : FALSE.has(text) ? false : undefined
    if (value === undefined) return exception('not_boolean', `"${cell}" is not true or false`)
    return text === String(value) && cell === text
      ? { value }
      : { value, warning: `"${cell}" read as ${String(value)}` }
  },
}
