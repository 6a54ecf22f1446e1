// The zero-setup backend: the log as an append-only PostgreSQL table (see schema.ts).
import pg from 'pg';
import { encodeData, encodeHeaders, type EventEnvelope, type LoggedEvent } from '../envelope.js';
import { partitionForKey } from '../partitioning.js';
import type { AppendedPosition, BatchHandler, ConsumeOptions, ConsumerHandle, EventLog, LogPosition, ReadRange } from '../port.js';
import type { UpcasterRegistry } from '../upcasting.js';
import { PostgresEventLogAdmin } from './postgres-admin.js';
import { startPostgresMember, type PostgresMemberSettings } from './postgres-consumer.js';
import { fromRow, type StoredRow } from './stored-row.js';
import { ensureSchema, NOTIFY_CHANNEL } from './schema.js';

export interface PostgresEventLogOptions {
  readonly connectionString: string;
  readonly upcasters?: UpcasterRegistry;
  /** Pool size for appends, reads and admin; each consumer member adds one session of its own. */
  readonly poolSize?: number;
  readonly consumer?: Partial<PostgresMemberSettings>;
}

const READ_PAGE = 500;

// $1 topic, $2 [{p: partition, k: key, h: headers, d: payload}] in append order, $3 channel.
const APPEND = `
WITH input AS (
  SELECT (r->>'p')::int AS partition, r->>'k' AS key, r->'h' AS headers, r->>'d' AS payload, ord
    FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(r, ord)
), wanted AS (
  SELECT partition, COUNT(*) AS n FROM input GROUP BY partition
), locked AS (
  SELECT p.partition FROM event_log_partitions p JOIN wanted w USING (partition)
   WHERE p.topic = $1 ORDER BY p.partition FOR UPDATE OF p
), bumped AS (
  -- clock_timestamp() after the counters' locks: appended_at grows with the offset.
  UPDATE event_log_partitions p SET next_offset = p.next_offset + w.n
    FROM wanted w, locked l
   WHERE p.topic = $1 AND p.partition = w.partition AND l.partition = w.partition
  RETURNING p.partition, p.next_offset - w.n AS first, clock_timestamp() AS appended_at
), numbered AS (
  SELECT i.partition, i.key, i.headers, i.payload, i.ord, b.appended_at,
         b.first + ROW_NUMBER() OVER (PARTITION BY i.partition ORDER BY i.ord) - 1 AS "offset"
    FROM input i JOIN bumped b USING (partition)
), stored AS (
  INSERT INTO event_log (topic, partition, "offset", key, headers, payload, appended_at)
  SELECT $1, partition, "offset", key, headers, payload, appended_at FROM numbered
)
SELECT n.partition, n."offset"::text AS "offset" FROM numbered n, (SELECT pg_notify($3, $1)) AS notified ORDER BY n.ord`;

export class PostgresEventLog implements EventLog {
  readonly admin: PostgresEventLogAdmin;
  private readonly pool: pg.Pool;
  private readonly memberSettings: PostgresMemberSettings;
  private readonly consumers = new Set<ConsumerHandle>();
  private ready: Promise<pg.Pool> | undefined;

  constructor(private readonly options: PostgresEventLogOptions) {
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 4 });
    // An idle pooled connection the server closes (restart, shutdown) must not crash the process:
    // the pool drops it and the next query opens a new one.
    this.pool.on('error', () => undefined);
    this.memberSettings = {
      pollIntervalMs: 1_000,
      heartbeatIntervalMs: 250,
      sessionTimeoutMs: 3_000,
      redeliveryDelayMs: 500,
      defaultBatchSize: 100,
      giveUpAfterMs: 10 * 60_000,
      ...options.consumer,
    };
    this.admin = new PostgresEventLogAdmin(() => this.db());
  }

  /**
   * One statement for the whole append, however many events and partitions: the rows travel as
   * one JSON document (no per-value escaping), the partitions' counters are locked in ascending
   * order (two appenders cannot deadlock), offsets are numbered per partition in the given order,
   * and the NOTIFY is sent at commit. A statement is its own transaction: all or nothing.
   */
  async append(topic: string, events: readonly EventEnvelope[]): Promise<AppendedPosition[]> {
    if (events.length === 0) return [];
    const pool = await this.db();
    const partitions = await this.partitionsOf(pool, topic);
    const rows = events.map((e) => ({ p: partitionForKey(e.subject, partitions), k: e.subject, h: encodeHeaders(e), d: encodeData(e) }));
    const { rows: appended } = await pool.query<{ partition: number; offset: string }>(APPEND, [
      topic,
      JSON.stringify(rows),
      NOTIFY_CHANNEL,
    ]);
    if (appended.length !== events.length) {
      this.partitionCounts.delete(topic);
      throw new Error(`unknown topic ${topic} (or its partitions changed): appended ${appended.length} of ${events.length}`);
    }
    return appended.map((r) => ({ partition: r.partition, offset: r.offset }));
  }

  private readonly partitionCounts = new Map<string, number>();

  private async partitionsOf(pool: pg.Pool, topic: string): Promise<number> {
    const known = this.partitionCounts.get(topic);
    if (known !== undefined) return known;
    const { rows } = await pool.query<{ partitions: number }>('SELECT partitions FROM event_log_topics WHERE topic = $1', [topic]);
    const partitions = rows[0]?.partitions;
    if (partitions === undefined) throw new Error(`unknown topic ${topic}`);
    this.partitionCounts.set(topic, partitions);
    return partitions;
  }

  async consume(options: ConsumeOptions, handler: BatchHandler): Promise<ConsumerHandle> {
    await this.db();
    const handle = await startPostgresMember(this.options.connectionString, options, handler, this.options.upcasters, this.memberSettings);
    this.consumers.add(handle);
    return {
      assignment: () => handle.assignment(),
      stop: async () => {
        this.consumers.delete(handle);
        await handle.stop();
      },
    };
  }

  async *read(range: ReadRange): AsyncGenerator<LoggedEvent> {
    const pool = await this.db();
    // Snapshot the window first: appends during the read do not extend it.
    const windows = await this.windows(pool, range);
    for (const { partition, start, end } of windows) {
      let cursor = start;
      while (cursor < end) {
        const { rows } = await pool.query<StoredRow>(
          `SELECT topic, partition, "offset", key, headers, payload, appended_at FROM event_log
            WHERE topic = $1 AND partition = $2 AND "offset" >= $3 AND "offset" < $4
            ORDER BY "offset" LIMIT ${READ_PAGE}`,
          [range.topic, partition, cursor.toString(), end.toString()],
        );
        if (rows.length === 0) break;
        for (const row of rows) yield fromRow(row, this.options.upcasters);
        cursor = BigInt(rows[rows.length - 1]!.offset) + 1n;
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
    await this.pool.end();
  }

  private async windows(pool: pg.Pool, range: ReadRange): Promise<{ partition: number; start: bigint; end: bigint }[]> {
    const { rows } = await pool.query<{ partition: number; next_offset: string }>(
      'SELECT partition, next_offset FROM event_log_partitions WHERE topic = $1 ORDER BY partition',
      [range.topic],
    );
    if (rows.length === 0) throw new Error(`unknown topic ${range.topic}`);
    const wanted = range.partitions ? new Set(range.partitions) : undefined;
    const selected = rows.filter((r) => !wanted || wanted.has(r.partition));
    return Promise.all(
      selected.map(async ({ partition, next_offset }) => {
        const high = BigInt(next_offset);
        const start = (await this.offsetAt(pool, range.topic, partition, range.from)) ?? 0n;
        const to = (await this.offsetAt(pool, range.topic, partition, range.to)) ?? high;
        return { partition, start, end: to < high ? to : high };
      }),
    );
  }

  /** Offset bounds map directly; a time maps to the first offset appended at or after it. */
  private async offsetAt(pool: pg.Pool, topic: string, partition: number, position: LogPosition | undefined): Promise<bigint | undefined> {
    if (!position) return undefined;
    if ('offset' in position) return BigInt(position.offset);
    if ('offsets' in position) return position.offsets[partition] === undefined ? undefined : BigInt(position.offsets[partition]);
    const { rows } = await pool.query<{ offset: string | null }>(
      `SELECT COALESCE(
         (SELECT min("offset") FROM event_log WHERE topic = $1 AND partition = $2 AND appended_at >= $3),
         (SELECT next_offset FROM event_log_partitions WHERE topic = $1 AND partition = $2)) AS "offset"`,
      [topic, partition, position.time],
    );
    return BigInt(rows[0]?.offset ?? '0');
  }

  private db(): Promise<pg.Pool> {
    return (this.ready ??= ensureSchema(this.pool).then(() => this.pool));
  }
}
