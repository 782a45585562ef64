import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { BoundaryHierarchyRow, BoundaryRow } from './factory.table.js'

/** Sets a hierarchy's levels (top first). */
export async function upsertHierarchy(
  db: Kysely<Database>,
  hierarchyType: string,
  levels: string[],
): Promise<BoundaryHierarchyRow> {
  return db
    .insertInto('boundary_hierarchy')
    .values({ hierarchy_type: hierarchyType, levels })
    .onConflict((oc) =>
      oc.column('hierarchy_type').doUpdateSet({ levels, updated_at: sql<Date>`now()` }),
    )
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** A hierarchy, if defined. */
export async function findHierarchy(
  db: Kysely<Database>,
  hierarchyType: string,
): Promise<BoundaryHierarchyRow | undefined> {
  return db
    .selectFrom('boundary_hierarchy')
    .selectAll()
    .where('hierarchy_type', '=', hierarchyType)
    .executeTakeFirst()
}

/** A boundary to add or rename. */
export interface NewBoundary {
  code: string
  name: string
  level: string
  parentCode: string | null
}

/** Adds boundaries to a hierarchy, or updates those it has; returns how many were written. */
export async function upsertBoundaries(
  db: Kysely<Database>,
  hierarchyType: string,
  boundaries: NewBoundary[],
): Promise<number> {
  if (boundaries.length === 0) return 0
  const result = await sql`
    INSERT INTO boundary (hierarchy_type, code, name, level, parent_code)
    SELECT ${hierarchyType}, b.code, b.name, b.level, b.parent_code
    FROM unnest(${boundaries.map((b) => b.code)}::text[], ${boundaries.map((b) => b.name)}::text[],
      ${boundaries.map((b) => b.level)}::text[], ${boundaries.map((b) => b.parentCode)}::text[])
      AS b(code, name, level, parent_code)
    ON CONFLICT (hierarchy_type, code) DO UPDATE
      SET name = excluded.name, level = excluded.level, parent_code = excluded.parent_code
  `.execute(db)
  return Number(result.numAffectedRows ?? 0)
}

/** Those of `codes` the hierarchy has, with their levels. */
export async function knownBoundaries(
  db: Kysely<Database>,
  hierarchyType: string,
  codes: readonly string[],
): Promise<Map<string, string>> {
  if (codes.length === 0) return new Map()
  const rows = await db
    .selectFrom('boundary')
    .select(['code', 'level'])
    .where('hierarchy_type', '=', hierarchyType)
    .where('code', 'in', codes)
    .execute()
  return new Map(rows.map((r) => [r.code, r.level]))
}

/** The boundaries `codes` and all below them, top first (by depth, then code). */
export async function boundariesUnder(
  db: Kysely<Database>,
  hierarchyType: string,
  codes: readonly string[],
): Promise<BoundaryRow[]> {
  if (codes.length === 0) return []
  const result = await sql<BoundaryRow & { depth: number }>`
    WITH RECURSIVE under AS (
      SELECT b.*, 0 AS depth FROM boundary b
      WHERE b.hierarchy_type = ${hierarchyType} AND b.code = ANY(${codes}::text[])
      UNION
      SELECT c.*, u.depth + 1 FROM boundary c
      JOIN under u ON c.hierarchy_type = u.hierarchy_type AND c.parent_code = u.code
      WHERE u.depth < 20
    )
    SELECT DISTINCT ON (code) * FROM under ORDER BY code, depth
  `.execute(db)
  return result.rows.sort((a, b) => a.depth - b.depth || a.code.localeCompare(b.code))
}

/** A page of a hierarchy's boundaries, by code. */
export async function listBoundaries(
  db: Kysely<Database>,
  hierarchyType: string,
  limit: number,
  after?: string,
): Promise<BoundaryRow[]> {
  let query = db
    .selectFrom('boundary')
    .selectAll()
    .where('hierarchy_type', '=', hierarchyType)
    .orderBy('code')
    .limit(limit)
  if (after !== undefined) query = query.where('code', '>', after)
  return query.execute()
}
