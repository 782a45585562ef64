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
import { boundaryProblems } from '../../operators/factory/boundary.rules.js'
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

/** Adds or updates boundaries of a hierarchy, checked as `boundaryProblems` says. */
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
  if (problems.length > 0)
    throw fieldsInvalid(
      problems
        .slice(0, 100)
        .map((p) => ({ field: `boundaries.${p.index}.${p.column}`, message: p.message })),
    )
  return { written: await upsertBoundaries(db, hierarchyType, boundaries) }
}
