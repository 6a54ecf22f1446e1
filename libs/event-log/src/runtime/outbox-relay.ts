// Moves committed outbox rows to the log, in outbox order. One relay at a time per database
// (a transaction-scoped advisory lock), so per-key order survives several service instances.
// A crash after the append and before marking the rows re-appends them with the same ce_id:
// at-least-once into the log, made exactly-once in effect by the consumers' inboxes.
import type pg from 'pg';
import type { EventEnvelope } from '../envelope.js';
import type { EventLog } from '../port.js';

export interface OutboxRelayOptions {
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
}

export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: EventLog,
    private readonly options: OutboxRelayOptions = {},
  ) {}

  /** Publishes one batch; returns how many rows it relayed (0 if none or another relay is active). */
  async relayOnce(): Promise<number> {
    const tx = await this.pool.connect();
    try {
      await tx.query('BEGIN');
      const { rows: lock } = await tx.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_xact_lock(hashtextextended('switchyard.event_log.outbox_relay', 0)) AS locked",
      );
      if (!lock[0]?.locked) {
        await tx.query('ROLLBACK');
        return 0;
      }
      const { rows } = await tx.query<{ id: string; topic: string; envelope: EventEnvelope }>(
        'SELECT id, topic, envelope FROM event_log_outbox WHERE published_at IS NULL ORDER BY id LIMIT $1',
        [this.options.batchSize ?? 200],
      );
      // Consecutive rows of one topic go in one append; topic changes keep the outbox order.
      for (let start = 0; start < rows.length; ) {
        let end = start;
        while (end < rows.length && rows[end]!.topic === rows[start]!.topic) end++;
        await this.log.append(rows[start]!.topic, rows.slice(start, end).map((r) => r.envelope));
        start = end;
      }
      if (rows.length > 0) {
        await tx.query('UPDATE event_log_outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      }
      await tx.query('COMMIT');
      return rows.length;
    } catch (error) {
      await tx.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      tx.release();
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const relayed = await this.relayOnce().catch(() => 0);
        if (relayed === 0 && this.running) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
            this.timer = setTimeout(resolve, this.options.pollIntervalMs ?? 200);
          });
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
  }
}
