import { sql, type Kysely } from 'kysely'

/**
 * Report templates (a dataset's columns, filters and sort, owned by a user) and the campaigns a
 * user was granted to see in reports (admins see every campaign).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE report_template (
      id uuid PRIMARY KEY,
      owner text NOT NULL,
      owner_admin boolean NOT NULL,
      name text NOT NULL,
      dataset text NOT NULL,
      columns jsonb NOT NULL,
      filters jsonb NOT NULL,
      sort jsonb NOT NULL,
      format text NOT NULL CHECK (format IN ('csv', 'xlsx')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  await sql`CREATE INDEX report_template_owner ON report_template (owner, created_at)`.execute(db)
  await sql`
    CREATE TABLE campaign_viewer (
      campaign_id bigint NOT NULL REFERENCES campaign (id),
      user_id text NOT NULL,
      granted_by text NOT NULL,
      granted_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (campaign_id, user_id)
    )`.execute(db)
  await sql`CREATE INDEX campaign_viewer_user ON campaign_viewer (user_id)`.execute(db)
}

/** Drops both tables. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE campaign_viewer`.execute(db)
  await sql`DROP TABLE report_template`.execute(db)
}
