import { sql, type Kysely } from 'kysely'

/** Campaigns, currency rates and the purchase-scoring tables. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE campaign (
      id bigserial PRIMARY KEY,
      type text NOT NULL CHECK (type IN ('purchase', 'outreach')),
      item_id text CHECK (item_id ~ '^[0-9]+$'),
      prize_minor bigint CHECK (prize_minor >= 0),
      prize_currency char(3),
      start_at timestamptz NOT NULL,
      end_at timestamptz NOT NULL,
      status text NOT NULL DEFAULT 'Scheduled'
        CHECK (status IN ('Scheduled', 'Running', 'Ended', 'Cancelled')),
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      ended_at timestamptz,
      settings jsonb NOT NULL DEFAULT '{}',
      CHECK (start_at < end_at)
    )`.execute(db)
  await sql`CREATE INDEX campaign_type_end ON campaign (type, end_at)`.execute(db)
  await sql`
    CREATE TABLE currency_rate (
      currency char(3) PRIMARY KEY,
      rate numeric NOT NULL CHECK (rate > 0),
      updated_by text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db)
  await sql`
    CREATE TABLE scored_purchase (
      campaign_id bigint NOT NULL REFERENCES campaign (id),
      event_id text NOT NULL,
      user_id text NOT NULL,
      amount numeric NOT NULL,
      currency char(3) NOT NULL,
      rate numeric NOT NULL,
      amount_minor bigint NOT NULL,
      purchased_at timestamptz NOT NULL,
      scored_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (campaign_id, event_id)
    )`.execute(db)
  await sql`
    CREATE TABLE purchase_total (
      campaign_id bigint NOT NULL REFERENCES campaign (id),
      user_id text NOT NULL,
      total_minor bigint NOT NULL,
      reached_at timestamptz NOT NULL,
      PRIMARY KEY (campaign_id, user_id)
    ) WITH (fillfactor = 70)`.execute(db)
  // No index on the ranking order: totals change on every purchase, and an index on them would
  // make each change a non-HOT update. Live rankings come from Redis; Postgres sorts one
  // campaign's totals only to decide the winner and to rebuild.
  await sql`
    CREATE TABLE campaign_winner (
      campaign_id bigint PRIMARY KEY REFERENCES campaign (id),
      user_id text NOT NULL,
      total_minor bigint NOT NULL,
      decided_at timestamptz NOT NULL,
      tie_break text NOT NULL CHECK (tie_break IN ('none', 'reachedAt', 'userId'))
    )`.execute(db)
}

/** Drops what {@link up} created. */
export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['campaign_winner', 'purchase_total', 'scored_purchase', 'currency_rate']) {
    await sql`DROP TABLE ${sql.table(table)}`.execute(db)
  }
  await sql`DROP TABLE campaign`.execute(db)
}
