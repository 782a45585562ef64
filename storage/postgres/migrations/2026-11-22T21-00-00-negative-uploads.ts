import { sql, type Kysely } from 'kysely'

/**
 * Negative numbers remember the negatives upload that listed them, and tasks the upload that
 * cancelled them, so that an upload's `numbers` and `cancelledTasks` are counted from what is
 * stored (exact after a worker died mid-way and the upload was split again). Rows from before
 * this migration have no upload.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE negative_number ADD COLUMN upload_id uuid REFERENCES upload_request (id)`.execute(
    db,
  )
  await sql`ALTER TABLE negative_number DROP CONSTRAINT negative_number_pkey`.execute(db)
  await sql`
    CREATE UNIQUE INDEX negative_number_key ON negative_number (request_id, phone, upload_id)
      NULLS NOT DISTINCT`.execute(db)
  await sql`CREATE INDEX negative_number_upload ON negative_number (upload_id)`.execute(db)
  await sql`ALTER TABLE flow_task ADD COLUMN cancelled_by uuid`.execute(db)
}

/** Back to one row per (request, phone), without uploads. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE flow_task DROP COLUMN cancelled_by`.execute(db)
  await sql`
    DELETE FROM negative_number a USING negative_number b
    WHERE a.request_id = b.request_id AND a.phone = b.phone AND a.ctid > b.ctid`.execute(db)
  await sql`DROP INDEX negative_number_upload`.execute(db)
  await sql`DROP INDEX negative_number_key`.execute(db)
  await sql`ALTER TABLE negative_number DROP COLUMN upload_id`.execute(db)
  await sql`ALTER TABLE negative_number ADD PRIMARY KEY (request_id, phone)`.execute(db)
}
