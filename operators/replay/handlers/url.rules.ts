import { exception, type ColumnHandler } from '../column-handler.rules.js'

/** An absolute http(s) URL, as the WHATWG parser writes it (with a warning when that differs). */
export const urlHandler: ColumnHandler = {
  name: 'url',
  handle: ({ cell }) => {
    const text = cell.trim()
    const url = URL.canParse(text) ? new URL(text) : undefined
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      return exception('not_url', `"${text}" is not an http or https URL`)
    return url.href === cell
      ? { value: url.href }
      : { value: url.href, warning: `written as ${url.href}` }
  },
}
