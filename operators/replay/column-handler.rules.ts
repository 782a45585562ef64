/**
 * What a column handler makes of a cell: a value, a value kept with a warning (normalised), or
 * an exception (the row is not fired).
 */
export type HandlerResult =
  { value: unknown; warning?: string } | { exception: { code: string; message: string } }

/** A cell and how its client's mapping configures the handler. */
export interface HandlerInput {
  cell: string
  options: Readonly<Record<string, unknown>>
}

/** A named column handler: a small pure function of a cell and its options. */
export interface ColumnHandler {
  name: string
  /** Why `options` cannot configure it (checked when a client is saved); undefined when they can. */
  optionsProblem?: (options: Readonly<Record<string, unknown>>) => string | undefined
  handle: (input: HandlerInput) => HandlerResult
}

/** An exception result. */
export const exception = (code: string, message: string): HandlerResult => ({
  exception: { code, message },
})

/** A number option of a handler, or `fallback` when it is absent or not a number. */
export function numberOption(
  options: Readonly<Record<string, unknown>>,
  name: string,
  fallback: number,
): number {
  const value = options[name]
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback
}
