import type { ColumnHandler } from './column-handler.rules.js'
import { booleanHandler } from './handlers/boolean.rules.js'
import { constantHandler } from './handlers/constant.rules.js'
import { countryHandler } from './handlers/country.rules.js'
import { currencyHandler } from './handlers/currency.rules.js'
import { dateHandler } from './handlers/date.rules.js'
import { datetimeHandler } from './handlers/datetime.rules.js'
import { decimalHandler } from './handlers/decimal.rules.js'
import { emailHandler } from './handlers/email.rules.js'
import { enumHandler } from './handlers/enum.rules.js'
import { integerHandler } from './handlers/integer.rules.js'
import { moneyHandler } from './handlers/money.rules.js'
import { phoneHandler } from './handlers/phone.rules.js'
import { sha256Handler } from './handlers/sha256.rules.js'
import { stringHandler } from './handlers/string.rules.js'
import { urlHandler } from './handlers/url.rules.js'

/** Every column handler a replay client's mapping may name, by name (one file each). */
export const COLUMN_HANDLERS: ReadonlyMap<string, ColumnHandler> = new Map(
  [
    booleanHandler,
    constantHandler,
    countryHandler,
    currencyHandler,
    dateHandler,
    datetimeHandler,
    decimalHandler,
    emailHandler,
    enumHandler,
    integerHandler,
    moneyHandler,
    phoneHandler,
    sha256Handler,
    stringHandler,
    urlHandler,
  ].map((h) => [h.name, h]),
)
