import { exception, type ColumnHandler } from '../column-handler.rules.js'

const valuesOf = (options: Readonly<Record<string, unknown>>) =>
  Array.isArray(options.values) ? options.values.filter((v) => typeof v === 'string') : []

/** One of the `values` option; the same letters in another case are taken with a warning. */
export const enumHandler: ColumnHandler = {
  name: 'enum',
  optionsProblem: (options) =>
    valuesOf(options).length > 0 ? undefined : 'values must list the allowed texts',
  handle: ({ cell, options }) => {
    const values = valuesOf(options)
    const text = cell.trim()
    if (values.includes(text)) return { value: text }
    const match = values.find((v) => v.toLowerCase() === text.toLowerCase())
    if (match !== undefined) return { value: match, warning: `"${cell}" read as "${match}"` }
    return exception('not_allowed', `"${text}" is not one of ${values.join(', ')}`)
  },
}
