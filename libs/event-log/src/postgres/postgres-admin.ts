import type pg from 'pg';
import {
  computeLag,
  type CleanupPolicy,
  type EventLogAdmin,
  type PartitionEnd,
  type PartitionLag,
  type PartitionOffset,
  type TopicDescription,
  type TopicSpec,
} from '../port.js';

export class PostgresEventLogAdmin implements EventLogAdmin {
  constructor(private readonly db: () => Promise<pg.Pool>) {}

  async createTopics(specs: readonly TopicSpec[]): Promise<void> {
    const pool = await this.db();
    for (const spec of specs) {
      await pool.query(
        `WITH created AS (
           INSERT INTO event_log_topics (topic, partitions, retention_ms, cleanup_policy)
           VALUES ($1, $2, $3, $4) ON CONFLICT (topic) DO NOTHING RETURNING topic, partitions)
         INSERT INTO event_log_partitions (topic, partition)
         SELECT topic, generate_series(0, partitions - 1) FROM created`,
        [spec.topic, spec.partitions, spec.retentionMs ?? null, spec.cleanupPolicy ?? 'delete'],
      );
    }
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    const pool = await this.db();
    await pool.query('DELETE FROM event_log_topics WHERE topic = ANY($1)', [topics]);
    await pool.query('DELETE FROM event_log_group_offsets WHERE topic = ANY($1)', [topics]);
  }

  async describeTopic(topic: string): Promise<TopicDescription> {
    const pool = await this.db();
    const { rows } = await pool.query<{ partitions: number; retention_ms: string | null; cleanup_policy: CleanupPolicy }>(
      'SELECT partitions, retention_ms, cleanup_policy FROM event_log_topics WHERE topic = $1',
      [topic],
    );
    const row = rows[0];
    if (!row) throw new Error(`unknown topic ${topic}`);
    return {
      topic,
      partitions: row.partitions,
      ...(row.retention_ms === null ? {} : { retentionMs: Number(row.retention_ms) }),
      cleanupPolicy: row.cleanup_policy,
    };
  }

  async committedOffsets(groupId: string, topic: string): Promise<PartitionOffset[]> {
    const pool = await this.db();
    const { rows } = await pool.query<{ partition: number; committed_offset: string }>(
      'SELECT partition, committed_offset FROM event_log_group_offsets WHERE group_id = $1 AND topic = $2 ORDER BY partition',
      [groupId, topic],
    );
    return rows.map((r) => ({ partition: r.partition, offset: r.committed_offset }));
  }

  async endOffsets(topic: string): Promise<PartitionEnd[]> {
    const pool = await this.db();
    const { rows } = await pool.query<{ partition: number; earliest: string; next_offset: string }>(
      `SELECT p.partition, p.next_offset,
              COALESCE((SELECT min(e."offset") FROM event_log e WHERE e.topic = p.topic AND e.partition = p.partition), p.next_offset) AS earliest
         FROM event_log_partitions p WHERE p.topic = $1 ORDER BY p.partition`,
      [topic],
    );
    if (rows.length === 0) throw new Error(`unknown topic ${topic}`);
    return rows.map((r) => ({ partition: r.partition, earliest: r.earliest, end: r.next_offset }));
  }

  async lag(groupId: string, topic: string): Promise<PartitionLag[]> {
    const [committed, ends] = await Promise.all([this.committedOffsets(groupId, topic), this.endOffsets(topic)]);
    return computeLag(committed, ends, topic);
  }
}
