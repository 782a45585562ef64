import { spawn, type ChildProcess } from 'node:child_process'
import type { TestServices } from './services.js'

const running = new Set<ChildProcess>()

/** Starts `worker-process.ts` for a test file's services; resolves once its actors run. */
export async function workerChild(
  s: TestServices,
  actors: string[],
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/support/worker-process.ts',
      s.schema,
      s.namespace,
      actors.join(','),
      s.filesDir,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  )
  running.add(child)
  child.once('exit', () => running.delete(child))
  await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()))
  return child
}

/** SIGKILLs every child still running (for afterAll, so a failed test leaves no orphan). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((child) => kill(child)))
}

/** SIGKILLs a child and waits for it to be gone. */
export async function kill(child: ChildProcess): Promise<void> {
  const gone = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await gone
}
