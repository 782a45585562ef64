/** `npm run bench`: every benchmark in turn; each prints its own figures. */
import { spawnSync } from 'node:child_process'
import { benchDatabaseUrl } from './environment.js'
import { machineReference } from './support.js'

const benches = [
  'bench/scoring.ts',
  'bench/upload.ts',
  'bench/executor.ts',
  'bench/factory.ts',
  'bench/reports.ts',
  'bench/replay.ts',
]
// The machine's speed drifts by ±30% from one hour to the next: the same fixed work before and
// after says how fast it was during this run.
console.log(`machine before: ${await machineReference(benchDatabaseUrl)}`)
for (const bench of benches) {
  console.log(`\n## ${bench}`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', bench], { stdio: 'inherit' })
  if (result.status !== 0) process.exitCode = 1
}
console.log(`\nmachine after: ${await machineReference(benchDatabaseUrl)}`)
