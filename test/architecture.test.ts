import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

// The conventions of docs/architecture.md that dependency-cruiser does not check.
const root = new URL('..', import.meta.url).pathname

function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort()
}

const camel = (kebab: string) => kebab.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())

describe('the layout', () => {
  it('should name each actor alike in its file, its export and its runtime name', () => {
    const actors = filesUnder('pipelines').filter((f) => f.endsWith('.actor.ts'))
    expect(actors.length).toBeGreaterThanOrEqual(6)
    for (const file of actors) {
      const name = (file.split('/').pop() ?? '').replace(/\.actor\.ts$/, '')
      const text = readFileSync(join(root, file), 'utf8')
      expect(text, file).toMatch(new RegExp(`export function ${camel(name)}Actor\\b`))
      expect(text, file).toContain(`name: '${name}'`)
    }
  })

  it('should give every operator file a marble test, or name it *.rules.ts with a unit test', () => {
    for (const file of filesUnder('operators')) {
      const test = join(root, 'test', file.replace(/\.ts$/, '.test.ts'))
      expect(existsSync(test), `${file} has no test at ${relative(root, test)}`).toBe(true)
      if (file.endsWith('.rules.ts')) continue
      expect(readFileSync(join(root, file), 'utf8'), file).toMatch(/OperatorFunction</)
      expect(readFileSync(test, 'utf8'), `${file}: marble test`).toMatch(/TestScheduler/)
    }
  })

  it('should keep files in pipelines/, http/ and storage/ under 250 lines, or say why at the top', () => {
    const long = ['pipelines', 'http', 'storage']
      .flatMap(filesUnder)
      .filter((f) => !f.includes('/migrations/'))
      .filter((f) => readFileSync(join(root, f), 'utf8').split('\n').length > 250)
      .filter((f) => !/^\/\/ Longer than 250 lines: /.test(readFileSync(join(root, f), 'utf8')))
    expect(long).toEqual([])
  })
})
