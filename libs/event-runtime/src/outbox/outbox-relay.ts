// The relay: publishes committed outbox rows through the EventLog port, in id order, then deletes
// them. One relay per outbox table is active at a time (a session advisory lock held on a
// dedicated connection); the others stand by and take over when that session ends.
import type { EventEnvelope, EventLog } from '@switchyard/event-log';
import type { PoolClient } from 'pg';
import { dependencyHealth } from '@switchyard/telemetry';
import type { DataSource } from 'typeorm';
import { consoleLogger, errorMessage, type RuntimeLogger } from '../runtime-logger.js';
import { relayMetrics, type RelayMetrics } from '../telemetry/runtime-metrics.js';
import { WakeSignal } from '../wake-signal.js';

export interface OutboxRelayOptions {
  readonly dataSource: DataSource;
  readonly eventLog: EventLog;
  /** Rows published per round; default 100. */
  readonly batchSize?: number;
  /** Fallback poll when no NOTIFY arrives (missed while reconnecting, or a standby); default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** How long a standby waits before trying the lock again; default 1000 ms. */
  readonly standbyRetryMs?: number;
  /** Pause after a failed append before the same rows are tried again; default 1000 ms. */
  readonly retryDelayMs?: number;
  readonly logger?: RuntimeLogger;
  /** Called after rows were appended to the log and before they are deleted from the outbox. */
  readonly onAppended?: (topic: string, envelopes: readonly EventEnvelope[]) => void | Promise<void>;
}

interface OutboxRow {
  id: string;
  topic: string;
  envelope: EventEnvelope;
}

// Namespace for this runtime's advisory locks (first key of the two-int form).
const LOCK_NAMESPACE = 0x53594f42; // "SYOB"

export class OutboxRelay {
  private readonly signal = new WakeSignal();
  private running: Promise<void> | undefined;
  private stopping = false;
  private active = false;
  private metrics: RelayMetrics | undefined;
  /** Whether the last round failed on the database or the log (health NOT_SERVING until one works). */
  private failing = false;
  private static instances = 0;
  private readonly component = `outbox relay #${++OutboxRelay.instances}`;

  constructor(private readonly options: OutboxRelayOptions) {}

  /** Reports a failed round as `recovering` (the relay always retries), a working one as `ok`. */
  private health(failure: unknown): void {
    if (this.stopping || (failure !== undefined) === this.failing) return;
    this.failing = failure !== undefined;
    dependencyHealth.report(this.component, this.failing ? 'recovering' : 'ok', this.failing ? errorMessage(failure) : undefined);
  }

  /** Whether this instance holds the table's lock and is the one publishing. */
  get isActive(): boolean {
    return this.active;
  }

  start(): void {
    this.stopping = false;
    this.metrics ??= relayMetrics(this.options.eventLog, this.options.dataSource);
    this.running ??= this.run();
  }

  /** Finishes the round in progress, releases the lock and its connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.signal.wake();
    await this.running;
    this.running = undefined;
    this.failing = false;
    dependencyHealth.forget(this.component);
    this.metrics?.remove();
    this.metrics = undefined;
  }

  private async run(): Promise<void> {
    const logger = this.options.logger ?? consoleLogger;
    while (!this.stopping) {
      const queryRunner = this.options.dataSource.createQueryRunner();
      let failure: unknown;
      try {
        const client = (await queryRunner.connect()) as PoolClient;
        await this.whileLocked(client);
      } catch (error) {
        failure = error;
        logger.error(`outbox relay: ${errorMessage(error)}; reconnecting`);
        this.health(error);
      } finally {
        this.active = false;
        await queryRunner.release().catch(() => undefined);
      }
      if (failure !== undefined && !this.stopping) await this.signal.wait(this.options.retryDelayMs ?? 1000);
    }
  }

  private async whileLocked(client: PoolClient): Promise<void> {
    const { rows } = await client.query<{ oid: string }>(`SELECT 'event_outbox'::regclass::oid::text AS oid`);
    const oid = rows[0]!.oid;
    const lock = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [LOCK_NAMESPACE, oid]);
    if (!lock.rows[0]!.locked) {
      await this.signal.wait(this.options.standbyRetryMs ?? 1000);
      return;
    }
    this.active = true;
    const onNotification = (): void => this.signal.wake();
    client.on('notification', onNotification);
    try {
      await client.query(`LISTEN "event_outbox_${oid}"`);
      // Rows committed while nobody listened are picked up by this first round.
      while (!this.stopping) {
        const published = await this.publishRound(client);
        if (published >= 0) this.health(undefined);
        if (published < (this.options.batchSize ?? 100)) await this.signal.wait(this.options.pollIntervalMs ?? 1000);
      }
    } finally {
      client.removeListener('notification', onNotification);
      await client.query('UNLISTEN *').catch(() => undefined);
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, oid]).catch(() => undefined);
    }
  }

  /** Publishes up to one batch; returns how many rows it handled, -1 when the log refused them. */
  private async publishRound(client: PoolClient): Promise<number> {
    const { rows } = await client.query<OutboxRow>('SELECT id, topic, envelope FROM event_outbox ORDER BY id LIMIT $1', [
      this.options.batchSize ?? 100,
    ]);
    for (const run of runsByTopic(rows)) {
      const envelopes = run.map((row) => row.envelope);
      try {
        await this.options.eventLog.append(run[0]!.topic, envelopes);
      } catch (error) {
        // The log is unreachable: keep the lock and the rows, and try the same run again.
        (this.options.logger ?? consoleLogger).error(`outbox relay: append to ${run[0]!.topic} failed: ${errorMessage(error)}`);
        this.health(error);
        await this.signal.wait(this.options.retryDelayMs ?? 1000);
        return -1;
      }
      this.metrics?.appended(run[0]!.topic, envelopes.length);
      await this.options.onAppended?.(run[0]!.topic, envelopes);
      // A crash before this delete publishes the run again on restart: consumers drop the copy
      // by ce_id in their inbox. Deleting per run keeps that window to one run.
      await client.query('DELETE FROM event_outbox WHERE id = ANY($1::bigint[])', [run.map((row) => row.id)]);
    }
    return rows.length;
  }
}

/** Consecutive rows of one topic, so every append keeps the rows' relative order. */
function runsByTopic(rows: readonly OutboxRow[]): OutboxRow[][] {
  const runs: OutboxRow[][] = [];
  for (const row of rows) {
    const last = runs[runs.length - 1];
    if (last && last[0]!.topic === row.topic) last.push(row);
    else runs.push([row]);
  }
  return runs;
}
