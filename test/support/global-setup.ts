import { ensureDatabase } from '../../storage/postgres/database.js'
import { testDatabaseUrl } from './services.js'

/** Creates the test database once; each file then works in its own schema inside it. */
export default async function setup(): Promise<void> {
  await ensureDatabase(testDatabaseUrl)
}
