import { sql, type Kysely } from 'kysely'
import { DEFAULT_SCHEMAS } from '../factory/default-schemas.js'

/**
 * The project factory: resource schemas (versioned), boundary hierarchies and boundaries, jobs
 * and their rows (every row's status is the checkpoint a restarted worker resumes from), the
 * built-in registry that is the default target service, and generated templates.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE campaign DROP CONSTRAINT campaign_type_check`.execute(db)
  await sql`ALTER TABLE campaign ADD CONSTRAINT campaign_type_check
    CHECK (type IN ('purchase', 'outreach', 'project'))`.execute(db)
  await sql`
    CREATE TABLE factory_schema (
      type text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]{0,31}$'),
      version integer NOT NULL CHECK (version > 0),
      schema jsonb NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (type, version)
    )`.execute(db)
  for (const [type, schema] of Object.entries(DEFAULT_SCHEMAS))
    await sql`INSERT INTO factory_schema (type, version, schema, created_by)
      VALUES (${type}, 1, ${JSON.stringify(schema)}::jsonb, 'system')`.execute(db)
  await sql`
    CREATE TABLE boundary_hierarchy (
      hierarchy_type text PRIMARY KEY,
      levels text[] NOT NULL CHECK (cardinality(levels) BETWEEN 1 AND 20),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  await sql`
    CREATE TABLE boundary (
      hierarchy_type text NOT NULL REFERENCES boundary_hierarchy (hierarchy_type),
      code text NOT NULL,
      name text NOT NULL,
      level text NOT NULL,
      parent_code text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (hierarchy_type, code)
    )`.execute(db)
  await sql`
    CREATE TABLE factory_job (
      id uuid PRIMARY KEY,
      type text NOT NULL,
      schema_version integer NOT NULL,
      campaign_id bigint NOT NULL REFERENCES campaign (id),
      hierarchy_type text NOT NULL,
      file_id uuid NOT NULL REFERENCES stored_file (id),
      action text NOT NULL CHECK (action IN ('create', 'validate')),
      status text NOT NULL DEFAULT 'accepted' CHECK (status IN
        ('accepted', 'validating', 'creating', 'annotating', 'completed', 'invalid', 'partial', 'failed')),
      error text,
      processed_file_id uuid REFERENCES stored_file (id),
      idempotency_key text,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz
    )`.execute(db)
  await sql`CREATE UNIQUE INDEX factory_job_idempotency ON factory_job (created_by, idempotency_key)
    WHERE idempotency_key IS NOT NULL`.execute(db)
  // One running job per file, type, campaign and action: a second request joins it.
  await sql`CREATE UNIQUE INDEX factory_job_running ON factory_job (file_id, type, campaign_id, action)
    WHERE status IN ('accepted', 'validating', 'creating', 'annotating')`.execute(db)
  await sql`CREATE INDEX factory_job_search ON factory_job (type, campaign_id, created_at)`.execute(
    db,
  )
  await sql`
    CREATE TABLE factory_row (
      job_id uuid NOT NULL REFERENCES factory_job (id) ON DELETE CASCADE,
      row integer NOT NULL,
      line integer NOT NULL,
      cells jsonb NOT NULL,
      status text NOT NULL DEFAULT 'PENDING' CHECK (status IN
        ('PENDING', 'VALID', 'INVALID', 'CREATED', 'EXISTING', 'FAILED')),
      errors jsonb NOT NULL DEFAULT '[]',
      client_reference_id text NOT NULL,
      created_id text,
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      next_attempt_at timestamptz,
      PRIMARY KEY (job_id, row)
    )`.execute(db)
  await sql`CREATE INDEX factory_row_status ON factory_row (job_id, status)`.execute(db)
  await sql`
    CREATE TABLE registry_resource (
      type text NOT NULL,
      client_reference_id text NOT NULL,
      id text NOT NULL,
      data jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (type, client_reference_id)
    )`.execute(db)
  await sql`
    CREATE TABLE generated_resource (
      id uuid PRIMARY KEY,
      type text NOT NULL,
      hierarchy_type text NOT NULL,
      campaign_id bigint NOT NULL REFERENCES campaign (id),
      schema_version integer NOT NULL,
      boundary_set text NOT NULL,
      status text NOT NULL DEFAULT 'inprogress'
        CHECK (status IN ('inprogress', 'completed', 'failed', 'expired')),
      file_id uuid REFERENCES stored_file (id),
      error text,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz
    )`.execute(db)
  // Single flight: one template in progress or completed per inputs.
  await sql`CREATE UNIQUE INDEX generated_resource_live ON generated_resource
    (type, hierarchy_type, campaign_id, schema_version, boundary_set)
    WHERE status IN ('inprogress', 'completed')`.execute(db)
}

/** Drops the factory's tables and its campaign type. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'generated_resource',
    'registry_resource',
    'factory_row',
    'factory_job',
    'boundary',
    'boundary_hierarchy',
    'factory_schema',
  ])
    await sql`DROP TABLE ${sql.table(table)}`.execute(db)
  await sql`ALTER TABLE campaign DROP CONSTRAINT campaign_type_check`.execute(db)
  await sql`ALTER TABLE campaign ADD CONSTRAINT campaign_type_check
    CHECK (type IN ('purchase', 'outreach'))`.execute(db)
}
