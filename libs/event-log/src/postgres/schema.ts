// The PostgreSQL event log's tables. Unqualified names: the connection's search_path decides
// the schema, so tests and several deployments can share one server.
import type pg from 'pg';

export const NOTIFY_CHANNEL = 'switchyard_event_log';

const DDL = `
CREATE TABLE IF NOT EXISTS event_log_topics (
  topic          text PRIMARY KEY,
  partitions     integer NOT NULL CHECK (partitions > 0),
  retention_ms   bigint,
  cleanup_policy text NOT NULL DEFAULT 'delete' CHECK (cleanup_policy IN ('delete', 'compact'))
);

-- One row per partition: next_offset is the offset the next append gets. Appenders take this
-- row's lock (UPDATE ... RETURNING) for the rest of their transaction, so offsets are assigned
-- without gaps and become visible in offset order.
CREATE TABLE IF NOT EXISTS event_log_partitions (
  topic       text NOT NULL REFERENCES event_log_topics ON DELETE CASCADE,
  partition   integer NOT NULL,
  next_offset bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (topic, partition)
);

CREATE TABLE IF NOT EXISTS event_log (
  topic       text NOT NULL,
  partition   integer NOT NULL,
  "offset"    bigint NOT NULL,
  key         text NOT NULL,
  headers     jsonb NOT NULL,
  payload     text NOT NULL,
  appended_at timestamptz NOT NULL,
  PRIMARY KEY (topic, partition, "offset"),
  FOREIGN KEY (topic, partition) REFERENCES event_log_partitions ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS event_log_by_time ON event_log (topic, partition, appended_at);

CREATE OR REPLACE FUNCTION event_log_reject_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'event_log is append-only';
END $$;
DROP TRIGGER IF EXISTS event_log_append_only ON event_log;
CREATE TRIGGER event_log_append_only BEFORE UPDATE ON event_log
  FOR EACH ROW EXECUTE FUNCTION event_log_reject_update();

-- The next offset each group will read, like Kafka's committed offsets.
CREATE TABLE IF NOT EXISTS event_log_group_offsets (
  group_id         text NOT NULL,
  topic            text NOT NULL,
  partition        integer NOT NULL,
  committed_offset bigint NOT NULL,
  PRIMARY KEY (group_id, topic, partition)
);

-- Live members of each group, for sharing partitions fairly. Ownership itself is an advisory
-- lock per (group, topic, partition), held by the member's session.
CREATE TABLE IF NOT EXISTS event_log_group_members (
  group_id     text NOT NULL,
  member_id    text NOT NULL,
  heartbeat_at timestamptz NOT NULL,
  PRIMARY KEY (group_id, member_id)
);
`;

export async function ensureSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Concurrent CREATE ... IF NOT EXISTS can still collide in the catalog: serialise them.
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended('switchyard.event_log.schema', 0))");
    await client.query(DDL);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
