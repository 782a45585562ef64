import type { Kysely } from 'kysely'
import type { Database } from '../../storage/postgres/database.js'
import {
  findHierarchy,
  knownBoundaries,
  upsertBoundaries,
  upsertHierarchy,
  type NewBoundary,
} from '../../storage/postgres/factory/boundary.repository.js'
import type { BoundaryHierarchyRow } from '../../storage/postgres/factory/factory.table.js'
import { DomainError, fieldsInvalid } from '../domain-error.js'

/** A hierarchy as the contract shows it. */
export const hierarchyView = (row: BoundaryHierarchyRow) => ({
  hierarchyType: row.hierarchy_type,
  levels: row.levels,
  updatedAt: row.updated_at.toISOString(),
})

/** Defines (or redefines) a hierarchy's levels, top first. */
export async function putHierarchy(db: Kysely<Database>, hierarchyType: string, levels: string[]) {
  return hierarchyView(await upsertHierarchy(db, hierarchyType, levels))
}

/** The hierarchy `hierarchyType`: 404 `hierarchy_not_found` when undefined. */
export async function hierarchyOf(
  db: Kysely<Database>,
  hierarchyType: string,
): Promise<BoundaryHierarchyRow> {
  const row = await findHierarchy(db, hierarchyType)
  if (row === undefined)
    throw new DomainError('not_found', 'hierarchy_not_found', `No hierarchy ${hierarchyType}`)
  return row
}

/**
 * Why boundaries cannot join a hierarchy, by index: a level it does not have, a parent that is
 * neither known nor among them, a parent missing below the top level, one at the top with a
 * parent, or a parent not one level up.
 */
export function boundaryProblems(
  levels: readonly string[],
  boundaries: readonly NewBoundary[],
  knownParents: ReadonlyMap<string, string>,
): { field: string; message: string }[] {
  const given = new Map(boundaries.map((b) => [b.code, b.level]))
  const problems: { field: string; message: string }[] = []
  boundaries.forEach((b, i) => {
    const depth = levels.indexOf(b.level)
    if (depth === -1) {
      problems.push({
        field: `boundaries.${i}.level`,
        message: `must be one of ${levels.join(', ')}`,
      })
      return
    }
    if (b.parentCode === null) {
      if (depth > 0)
        problems.push({
          field: `boundaries.${i}.parentCode`,
          message: `a ${b.level} needs a parent`,
        })
      return
    }
    const parentLevel = given.get(b.parentCode) ?? knownParents.get(b.parentCode)
    if (parentLevel === undefined)
      problems.push({ field: `boundaries.${i}.parentCode`, message: `no boundary ${b.parentCode}` })
    else if (levels.indexOf(parentLevel) !== depth - 1)
      problems.push({
        field: `boundaries.${i}.parentCode`,
        message: `must be a ${levels[depth - 1] ?? '(none: the top level has no parent)'}, not a ${parentLevel}`,
      })
  })
  return problems.slice(0, 100)
}

/** Adds or updates boundaries of a hierarchy, checked as {@link boundaryProblems}. */
export async function addBoundaries(
  db: Kysely<Database>,
  hierarchyType: string,
  boundaries: NewBoundary[],
): Promise<{ written: number }> {
  const hierarchy = await hierarchyOf(db, hierarchyType)
  const parents = [
    ...new Set(boundaries.flatMap((b) => (b.parentCode === null ? [] : [b.parentCode]))),
  ]
  const known = await knownBoundaries(db, hierarchyType, parents)
  const problems = boundaryProblems(hierarchy.levels, boundaries, known)
  if (problems.length > 0) throw fieldsInvalid(problems)
  return { written: await upsertBoundaries(db, hierarchyType, boundaries) }
}
