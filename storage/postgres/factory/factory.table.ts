import type { ColumnType, Generated, Insertable, Selectable } from 'kysely'

/** A JSON column read as `R` and written as its JSON text. */
type Json<R> = ColumnType<R, string, string>

/** `factory_schema`: one version of a resource type's schema. */
export interface FactorySchemaTable {
  type: string
  version: number
  schema: Json<Record<string, unknown>>
  created_by: string
  created_at: Generated<Date>
}
export type FactorySchemaRow = Selectable<FactorySchemaTable>

/** `boundary_hierarchy`: a hierarchy's levels, from the top down. */
export interface BoundaryHierarchyTable {
  hierarchy_type: string
  levels: string[]
  updated_at: Generated<Date>
}
export type BoundaryHierarchyRow = Selectable<BoundaryHierarchyTable>

/** `boundary`: one boundary of a hierarchy. */
export interface BoundaryTable {
  hierarchy_type: string
  code: string
  name: string
  level: string
  parent_code: string | null
  created_at: Generated<Date>
}
export type BoundaryRow = Selectable<BoundaryTable>

/** Where a factory job is. */
export type FactoryJobStatus =
  | 'accepted'
  | 'validating'
  | 'creating'
  | 'annotating'
  | 'completed'
  | 'invalid'
  | 'partial'
  | 'failed'

/** `factory_job`: one sheet validated (and created) for a campaign. */
export interface FactoryJobTable {
  id: string
  type: string
  schema_version: number
  campaign_id: string
  hierarchy_type: string
  file_id: string
  action: 'create' | 'validate'
  status: Generated<FactoryJobStatus>
  error: string | null
  processed_file_id: string | null
  idempotency_key: string | null
  created_by: string
  created_at: Generated<Date>
  updated_at: Generated<Date>
  completed_at: Date | null
}
export type FactoryJobRow = Selectable<FactoryJobTable>
export type NewFactoryJobRow = Insertable<FactoryJobTable>

/** Where one row of a sheet is. */
export type FactoryRowStatus = 'PENDING' | 'VALID' | 'INVALID' | 'CREATED' | 'EXISTING' | 'FAILED'

/** One problem of a row: its column (empty for the whole row), a code and a message. */
export interface RowError {
  column: string
  code: string
  message: string
}

/** `factory_row`: one data row of a job's sheet and its checkpoint. */
export interface FactoryRowTable {
  job_id: string
  row: number
  line: number
  cells: Json<Record<string, string>>
  status: Generated<FactoryRowStatus>
  errors: ColumnType<RowError[], string | undefined, string>
  client_reference_id: string
  created_id: string | null
  attempts: Generated<number>
  last_error: string | null
  next_attempt_at: Date | null
}
export type FactoryRowRow = Selectable<FactoryRowTable>

/** `registry_resource`: one resource the built-in registry created. */
export interface RegistryResourceTable {
  type: string
  client_reference_id: string
  id: string
  data: Json<Record<string, unknown>>
  created_at: Generated<Date>
}
export type RegistryResourceRow = Selectable<RegistryResourceTable>

/** Where a generated template is. */
export type GeneratedStatus = 'inprogress' | 'completed' | 'failed' | 'expired'

/** `generated_resource`: one template built for a type, hierarchy and campaign. */
export interface GeneratedResourceTable {
  id: string
  type: string
  hierarchy_type: string
  campaign_id: string
  schema_version: number
  /** The campaign's boundary codes it was built for, sorted and joined: its cache key. */
  boundary_set: string
  status: Generated<GeneratedStatus>
  file_id: string | null
  error: string | null
  created_by: string
  created_at: Generated<Date>
  completed_at: Date | null
}
export type GeneratedResourceRow = Selectable<GeneratedResourceTable>
