import { sql, type Kysely } from 'kysely'

/** Outreach: uploads, records, flow tasks, attempts, do-not-call lists and live counters. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE upload_request (
      id uuid PRIMARY KEY,
      campaign_id bigint NOT NULL REFERENCES campaign (id),
      kind text NOT NULL CHECK (kind IN ('contacts', 'negatives')),
      parent_id uuid REFERENCES upload_request (id),
      status text NOT NULL DEFAULT 'accepted'
        CHECK (status IN ('accepted', 'processing', 'completed', 'failed')),
      file_key text NOT NULL,
      bytes bigint NOT NULL,
      total integer NOT NULL DEFAULT 0,
      accepted integer NOT NULL DEFAULT 0,
      invalid integer NOT NULL DEFAULT 0,
      duplicate integer NOT NULL DEFAULT 0,
      negative integer NOT NULL DEFAULT 0,
      cancelled_tasks integer NOT NULL DEFAULT 0,
      error text,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz
    )`.execute(db)
  await sql`CREATE INDEX upload_request_campaign ON upload_request (campaign_id, created_at)`.execute(
    db,
  )
  await sql`
    CREATE TABLE upload_error (
      request_id uuid NOT NULL REFERENCES upload_request (id),
      row integer NOT NULL,
      "column" text NOT NULL,
      code text NOT NULL,
      message text NOT NULL,
      PRIMARY KEY (request_id, row, "column")
    )`.execute(db)
  // The three high-volume tables (records, tasks, attempts) carry no foreign keys: row-level FK
  // checks cost half of an upload's insert time. They are written only by statements that take
  // their ids from existing rows, in the same statement or from rows read just before.
  await sql`
    CREATE TABLE outreach_record (
      id bigserial PRIMARY KEY,
      campaign_id bigint NOT NULL,
      request_id uuid NOT NULL,
      row integer NOT NULL,
      phone text NOT NULL,
      scheduled_time timestamptz,
      data jsonb NOT NULL DEFAULT '{}',
      UNIQUE (request_id, phone)
    )`.execute(db)
  await sql`CREATE INDEX outreach_record_campaign ON outreach_record (campaign_id, id)`.execute(db)
  await sql`
    CREATE TABLE flow_task (
      id bigserial PRIMARY KEY,
      campaign_id bigint NOT NULL,
      request_id uuid NOT NULL,
      record_id bigint NOT NULL,
      phone text NOT NULL,
      task_date date NOT NULL,
      slot smallint NOT NULL,
      status text NOT NULL DEFAULT 'IN_PROGRESS' CHECK (status IN
        ('IN_PROGRESS', 'COMPLETED', 'PARTIAL_COMPLETE', 'FAILED', 'NEGATIVE', 'CANCELLED')),
      reason text,
      attempts smallint NOT NULL DEFAULT 0,
      retriggered boolean NOT NULL DEFAULT false,
      custom_slot text,
      -- Tasks without a slot: when the task may next be called (its scheduled time, or a retry).
      due_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (record_id, task_date, slot)
    )`.execute(db)
  await sql`
    CREATE INDEX flow_task_pending ON flow_task (campaign_id, task_date, slot, id)
      WHERE status = 'IN_PROGRESS'`.execute(db)
  await sql`CREATE INDEX flow_task_request ON flow_task (request_id) WHERE status = 'IN_PROGRESS'`.execute(
    db,
  )
  await sql`CREATE INDEX flow_task_day ON flow_task (campaign_id, task_date, slot)`.execute(db)
  await sql`
    CREATE TABLE task_attempt (
      id uuid PRIMARY KEY,
      task_id bigint NOT NULL,
      attempt smallint NOT NULL,
      campaign_id bigint NOT NULL,
      request_id uuid NOT NULL,
      phone text NOT NULL,
      task_date date NOT NULL,
      slot smallint NOT NULL,
      started_at timestamptz NOT NULL,
      ended_at timestamptz,
      status text,
      reason text,
      http_status smallint,
      UNIQUE (task_id, attempt)
    )`.execute(db)
  await sql`CREATE INDEX task_attempt_day ON task_attempt (campaign_id, task_date, started_at)`.execute(
    db,
  )
  await sql`
    CREATE TABLE negative_number (
      request_id uuid NOT NULL REFERENCES upload_request (id),
      phone text NOT NULL,
      PRIMARY KEY (request_id, phone)
    )`.execute(db)
  await sql`
    CREATE TABLE do_not_call (
      phone text PRIMARY KEY,
      added_by text NOT NULL,
      added_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  // Live counts of tasks per (campaign, day, slot, status), kept by statement triggers so that
  // dashboards never count millions of rows; every insert or status change moves them.
  await sql`
    CREATE TABLE task_counter (
      campaign_id bigint NOT NULL,
      task_date date NOT NULL,
      slot smallint NOT NULL,
      status text NOT NULL,
      count bigint NOT NULL,
      PRIMARY KEY (campaign_id, task_date, slot, status)
    )`.execute(db)
  await sql`
    CREATE FUNCTION flow_task_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO task_counter AS c (campaign_id, task_date, slot, status, count)
        SELECT campaign_id, task_date, slot, status, count(*) FROM new_rows
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (campaign_id, task_date, slot, status) DO UPDATE SET count = c.count + excluded.count;
      ELSE
        INSERT INTO task_counter AS c (campaign_id, task_date, slot, status, count)
        SELECT campaign_id, task_date, slot, status, sum(d) FROM (
          SELECT campaign_id, task_date, slot, status, -1 AS d FROM old_rows
          UNION ALL
          SELECT campaign_id, task_date, slot, status, 1 AS d FROM new_rows
        ) moves
        GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (campaign_id, task_date, slot, status) DO UPDATE SET count = c.count + excluded.count;
      END IF;
      RETURN NULL;
    END $$`.execute(db)
  await sql`
    CREATE TRIGGER flow_task_count_insert AFTER INSERT ON flow_task
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flow_task_count()`.execute(
    db,
  )
  await sql`
    CREATE TRIGGER flow_task_count_update AFTER UPDATE ON flow_task
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION flow_task_count()`.execute(db)
}

/** Drops what {@link up} created. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE task_counter, do_not_call, negative_number, task_attempt, flow_task,
    outreach_record, upload_error, upload_request`.execute(db)
  await sql`DROP FUNCTION flow_task_count()`.execute(db)
}
