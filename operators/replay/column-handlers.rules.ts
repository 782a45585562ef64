import type { ColumnHandler } from './column-handler.rules.js'
import { booleanHandler } from './handlers/boolean.rules.js'
import { constantHandler } from './handlers/constant.rules.js'
import { decimalHandler } from './handlers/decimal.rules.js'
import { enumHandler } from './handlers/enum.rules.js'
import { integerHandler } from './handlers/integer.rules.js'
import { moneyHandler } from './handlers/money.rules.js'
import { sha256Handler } from './handlers/sha256.rules.js'
import { stringHandler } from './handlers/string.rules.js'

/** Every column handler a replay client's mapping may name, by name. */
export const COLUMN_HANDLERS: ReadonlyMap<string, ColumnHandler> = new Map(
  [
    stringHandler,
    integerHandler,
    decimalHandler,
    moneyHandler,
    booleanHandler,
    enumHandler,
    constantHandler,
    sha256Handler,
  ].map((h) => [h.name, h]),
)
