// A consumer-group member on PostgreSQL. Each member has one session (connection) that holds
// an advisory lock per (group, topic, partition) it owns, LISTENs for appends, reads batches and
// commits offsets. Because the commit goes through the session that holds the lock, a member
// whose session died cannot commit over the partition's new owner.
// Partitions are shared by a deterministic quota over the live members (heartbeat rows); locks
// make ownership exclusive whatever the quota says while members come and go.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { BatchHandler, ConsumeOptions, ConsumerHandle, EventBatch } from '../port.js';
import type { UpcasterRegistry } from '../upcasting.js';
import { fromRow, type StoredRow } from './stored-row.js';
import { NOTIFY_CHANNEL } from './schema.js';

export interface PostgresMemberSettings {
  /** Fallback when a notification is missed (e.g. across a reconnect). */
  readonly pollIntervalMs: number;
  readonly heartbeatIntervalMs: number;
  /** A member whose heartbeat is older than this no longer counts for the quota. */
  readonly sessionTimeoutMs: number;
  readonly redeliveryDelayMs: number;
  readonly defaultBatchSize: number;
  /** How long the member keeps reconnecting to an unreachable database before it gives up (`failed`). */
  readonly giveUpAfterMs: number;
}

interface Owned {
  readonly topic: string;
  readonly partition: number;
  /** Next offset to deliver. */
  position: bigint;
  /** Not before this time (after a failed batch). */
  retryAt: number;
}

const lockKey = (groupId: string, topic: string, partition: number) => `${groupId}\n${topic}\n${partition}`;

export async function startPostgresMember(
  connectionString: string,
  options: ConsumeOptions,
  handler: BatchHandler,
  upcasters: UpcasterRegistry | undefined,
  settings: PostgresMemberSettings,
): Promise<ConsumerHandle> {
  const member = new Member(() => new pg.Client({ connectionString }), randomUUID(), options, handler, upcasters, settings);
  await member.start();
  return member;
}

/** Pauses between reconnection attempts while the database is away. */
const RECONNECT_BACKOFF_MS = { initial: 250, max: 5_000 };

class Member implements ConsumerHandle {
  private readonly owned = new Map<string, Owned>();
  private running = true;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private lastHeartbeat = 0;
  /** The live session; undefined while reconnecting. */
  private session: pg.Client | undefined;
  /** Since when the member has been without a working session (undefined while it has one). */
  private outageSince: number | undefined;

  constructor(
    private readonly newSession: () => pg.Client,
    private readonly memberId: string,
    private readonly options: ConsumeOptions,
    private readonly handler: BatchHandler,
    private readonly upcasters: UpcasterRegistry | undefined,
    private readonly settings: PostgresMemberSettings,
  ) {}

  async start(): Promise<void> {
    await this.connect();
    this.loop = this.run();
  }

  /**
   * A fresh session: LISTEN, then take partitions (positions read from the committed offsets).
   * A lost session has lost its locks, so nothing owned before survives it.
   */
  private async connect(): Promise<void> {
    this.owned.clear();
    const session = this.newSession();
    session.on('notification', (message) => {
      if (message.channel === NOTIFY_CHANNEL && this.options.topics.includes(message.payload ?? '')) this.signal();
    });
    // The session died (server restart, network): stop acting on its ownership and reconnect.
    session.on('error', () => {
      if (this.session === session) this.dropSession();
      this.signal();
    });
    try {
      await session.connect();
      this.session = session;
      await session.query(`LISTEN ${NOTIFY_CHANNEL}`);
      await this.rebalance();
    } catch (error) {
      if (this.session === session) this.dropSession();
      else void session.end().catch(() => undefined);
      throw error;
    }
  }

  private dropSession(): void {
    const session = this.session;
    this.session = undefined;
    this.owned.clear();
    void session?.end().catch(() => undefined);
  }

  assignment(): ReadonlyMap<string, readonly number[]> {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of this.owned.values()) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    for (const partitions of byTopic.values()) partitions.sort((a, b) => a - b);
    return byTopic;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.signal();
    await this.loop;
    const session = this.session;
    this.session = undefined;
    if (session) {
      await session
        .query('DELETE FROM event_log_group_members WHERE group_id = $1 AND member_id = $2', [this.options.groupId, this.memberId])
        .catch(() => undefined);
      // Closing the session releases every advisory lock it held.
      await session.end().catch(() => undefined);
    }
  }

  private async run(): Promise<void> {
    let backoff = RECONNECT_BACKOFF_MS.initial;
    while (this.running) {
      try {
        if (!this.session) {
          await this.connect();
          this.recovered();
          backoff = RECONNECT_BACKOFF_MS.initial;
        }
        if (Date.now() - this.lastHeartbeat >= this.settings.heartbeatIntervalMs) await this.rebalance();
        const delivered = await this.deliverOnce();
        if (!delivered && this.running) await this.idle();
      } catch (error) {
        if (!this.running) return;
        // The session or the database is gone: reconnect with a fresh session after a pause and
        // resume from the committed offsets; uncommitted batches are delivered again.
        this.dropSession();
        if (this.lost(error)) return;
        await this.idle(backoff);
        backoff = Math.min(backoff * 2, RECONNECT_BACKOFF_MS.max);
      }
    }
  }

  /** Records an outage; true when it lasted past `giveUpAfterMs` and the member stops. */
  private lost(error: unknown): boolean {
    const reason = `consumer group ${this.options.groupId}: ${(error as Error)?.message ?? String(error)}`;
    if (this.outageSince === undefined) {
      this.outageSince = Date.now();
      this.options.onStatus?.('recovering', reason);
    }
    if (Date.now() - this.outageSince < this.settings.giveUpAfterMs) return false;
    this.running = false;
    this.options.onStatus?.('failed', `${reason}; gave up reconnecting after ${this.settings.giveUpAfterMs} ms`);
    return true;
  }

  private recovered(): void {
    if (this.outageSince === undefined) return;
    this.outageSince = undefined;
    this.options.onStatus?.('ok');
  }

  /**
   * One batch from each owned partition that has one; true if anything was delivered. One query
   * reads the batches of every owned partition (a poll costs one round trip however many
   * partitions the member owns), the handler takes them partition by partition (or the round
   * handler all at once, when the consumer gave one), and one statement commits the offsets of
   * those it took. A crash between a handler and that commit
   * redelivers the round's batches: delivery is at least once, as before.
   */
  private async deliverOnce(): Promise<boolean> {
    const now = Date.now();
    const due = [...this.owned.values()].filter((owned) => owned.retryAt <= now);
    if (due.length === 0 || !this.running) return false;
    const { rows } = await this.db().query<StoredRow>(
      `SELECT e.topic, e.partition, e."offset", e.key, e.headers, e.payload, e.appended_at
         FROM unnest($1::text[], $2::int[], $3::bigint[]) AS w(topic, partition, position)
         CROSS JOIN LATERAL (
           SELECT topic, partition, "offset", key, headers, payload, appended_at FROM event_log l
            WHERE l.topic = w.topic AND l.partition = w.partition AND l."offset" >= w.position
            ORDER BY l."offset" LIMIT $4) e
        ORDER BY e.topic, e.partition, e."offset"`,
      [
        due.map((o) => o.topic),
        due.map((o) => o.partition),
        due.map((o) => o.position.toString()),
        this.options.maxBatchSize ?? this.settings.defaultBatchSize,
      ],
    );
    if (rows.length === 0) return false;
    const batches = new Map<string, StoredRow[]>();
    for (const row of rows) {
      const key = `${row.topic}\n${row.partition}`;
      const batch = batches.get(key);
      if (batch === undefined) batches.set(key, [row]);
      else batch.push(row);
    }
    const committed: { owned: Owned; next: bigint }[] = [];
    const read = due.flatMap((owned) => {
      const batch = batches.get(`${owned.topic}\n${owned.partition}`);
      return batch === undefined ? [] : [{ owned, rows: batch }];
    });
    const nextOf = (rows: readonly StoredRow[]): bigint => BigInt(rows[rows.length - 1]!.offset) + 1n;
    const batchOf = ({ owned, rows }: (typeof read)[number]): EventBatch => ({
      topic: owned.topic,
      partition: owned.partition,
      events: rows.map((row) => fromRow(row, this.upcasters)),
    });
    try {
      const round = this.options.roundHandler;
      if (round !== undefined && read.length > 1) {
        // The poll's batches together: all of them commit, or none and all come again.
        try {
          await round(read.map(batchOf));
          for (const { owned, rows } of read) committed.push({ owned, next: nextOf(rows) });
        } catch {
          for (const { owned } of read) owned.retryAt = Date.now() + this.settings.redeliveryDelayMs;
        }
        return committed.length > 0;
      }
      for (const entry of read) {
        if (!this.running) break;
        try {
          await this.handler(batchOf(entry));
        } catch {
          entry.owned.retryAt = Date.now() + this.settings.redeliveryDelayMs;
          continue;
        }
        committed.push({ owned: entry.owned, next: nextOf(entry.rows) });
      }
    } finally {
      if (committed.length > 0) {
        await this.db().query(
          `INSERT INTO event_log_group_offsets (group_id, topic, partition, committed_offset)
           SELECT $1, x.topic, x.partition, x.next FROM unnest($2::text[], $3::int[], $4::bigint[]) AS x(topic, partition, next)
           ON CONFLICT (group_id, topic, partition) DO UPDATE SET committed_offset = EXCLUDED.committed_offset`,
          [
            this.options.groupId,
            committed.map((c) => c.owned.topic),
            committed.map((c) => c.owned.partition),
            committed.map((c) => c.next.toString()),
          ],
        );
        for (const { owned, next } of committed) owned.position = next;
      }
    }
    return committed.length > 0;
  }

  /** Heartbeat, then take or give back partitions until this member holds its quota. */
  private async rebalance(): Promise<void> {
    this.lastHeartbeat = Date.now();
    const { groupId } = this.options;
    await this.db().query(
      `INSERT INTO event_log_group_members (group_id, member_id, heartbeat_at) VALUES ($1, $2, now())
       ON CONFLICT (group_id, member_id) DO UPDATE SET heartbeat_at = now()`,
      [groupId, this.memberId],
    );
    const { rows: members } = await this.db().query<{ member_id: string }>(
      `SELECT member_id FROM event_log_group_members
        WHERE group_id = $1 AND heartbeat_at > now() - make_interval(secs => $2::double precision / 1000)
        ORDER BY member_id`,
      [groupId, this.settings.sessionTimeoutMs],
    );
    const { rows: partitions } = await this.db().query<{ topic: string; partition: number }>(
      'SELECT topic, partition FROM event_log_partitions WHERE topic = ANY($1) ORDER BY topic, partition',
      [this.options.topics],
    );
    const index = Math.max(
      0,
      members.findIndex((m) => m.member_id === this.memberId),
    );
    const count = Math.max(1, members.length);
    const quota = Math.floor(partitions.length / count) + (index < partitions.length % count ? 1 : 0);

    // Give back the surplus first; this runs between batches, so everything delivered is committed.
    for (const key of [...this.owned.keys()].reverse()) {
      if (this.owned.size <= quota) break;
      await this.db().query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]);
      this.owned.delete(key);
    }
    for (const { topic, partition } of partitions) {
      if (this.owned.size >= quota) break;
      const key = lockKey(groupId, topic, partition);
      if (this.owned.has(key)) continue;
      const { rows } = await this.db().query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [key]);
      if (!rows[0]?.locked) continue;
      this.owned.set(key, { topic, partition, position: await this.startPosition(topic, partition), retryAt: 0 });
    }
  }

  /** The committed offset, read fresh at every acquisition: a previous owner may have moved it. */
  private async startPosition(topic: string, partition: number): Promise<bigint> {
    const { rows } = await this.db().query<{ committed_offset: string | null; next_offset: string }>(
      `SELECT p.next_offset,
              (SELECT committed_offset FROM event_log_group_offsets o
                WHERE o.group_id = $1 AND o.topic = p.topic AND o.partition = p.partition) AS committed_offset
         FROM event_log_partitions p WHERE p.topic = $2 AND p.partition = $3`,
      [this.options.groupId, topic, partition],
    );
    const row = rows[0];
    if (!row) return 0n;
    if (row.committed_offset !== null) return BigInt(row.committed_offset);
    return this.options.fromBeginning === false ? BigInt(row.next_offset) : 0n;
  }

  /** The live session, or an error that sends the loop to reconnect. */
  private db(): pg.Client {
    if (!this.session) throw new Error('the consumer session to PostgreSQL was lost');
    return this.session;
  }

  private idle(ms = Math.min(this.settings.pollIntervalMs, this.settings.heartbeatIntervalMs)): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
