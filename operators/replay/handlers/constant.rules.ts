import type { ColumnHandler } from '../column-handler.rules.js'

/** The `value` option, whatever the cell holds (an event name, say). */
export const constantHandler: ColumnHandler = {
  name: 'constant',
  optionsProblem: (options) => ('value' in options ? undefined : 'value must be given'),
  handle: ({ options }) => ({ value: options.value }),
}
