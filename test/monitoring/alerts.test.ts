import { execFileSync, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const monitoring = fileURLToPath(new URL('../../monitoring/', import.meta.url))

/** Whether Prometheus's `promtool` is installed here (Debian package `prometheus`). */
function hasPromtool(): boolean {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const promtool = (...args: string[]) =>
  spawnSync('promtool', args, { cwd: monitoring, encoding: 'utf8' })

// The rules are checked by Prometheus's own tool, where it is installed; elsewhere this is
// skipped (and says so in the test report).
describe.skipIf(!hasPromtool())('the alerting rules (promtool)', () => {
  it('should be valid rules', () => {
    const result = promtool('check', 'rules', 'alerts.yml')
    expect(result.stdout + result.stderr).toContain('SUCCESS')
    expect(result.status).toBe(0)
  })

  it('should fire as their unit tests expect', () => {
    const result = promtool('test', 'rules', 'alerts.test.yml')
    expect(result.stdout + result.stderr).toContain('SUCCESS')
    expect(result.status).toBe(0)
  })
})
