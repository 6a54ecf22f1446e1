// Inbox and outbox live in the service's own database, next to the state they protect.
import type pg from 'pg';

const DDL = `
CREATE TABLE IF NOT EXISTS event_log_inbox (
  consumer   text NOT NULL,
  event_id   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
CREATE TABLE IF NOT EXISTS event_log_outbox (
  id           bigserial PRIMARY KEY,
  topic        text NOT NULL,
  envelope     json NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX IF NOT EXISTS event_log_outbox_unpublished ON event_log_outbox (id) WHERE published_at IS NULL;
`;

export async function ensureRuntimeSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended('switchyard.event_log.runtime_schema', 0))");
    await client.query(DDL);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
