/** `npm run bench`: every benchmark in turn; each prints its own figures. */
import { spawnSync } from 'node:child_process'

const benches = ['bench/scoring.ts', 'bench/upload.ts', 'bench/executor.ts']
for (const bench of benches) {
  console.log(`\n## ${bench}`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', bench], { stdio: 'inherit' })
  if (result.status !== 0) process.exitCode = 1
}
