// A consumer-group member that applies events exactly once in effect: the EventLog port delivers
// batches per partition (at least once), the EventApplier applies them with inbox, outbox,
// retries and dead letters.
import type { ConsumerHandle, EventLog, LoggedEvent, PartitionLag } from '@switchyard/event-log';
import { dependencyHealth, type ComponentStatus } from '@switchyard/telemetry';
import type { DataSource } from 'typeorm';
import { DEAD_LETTER_RETENTION_MS, deadLetterTopic } from '../dead-letter/dead-letter.js';
import { PostgresInbox, type InboxStore } from '../inbox/inbox.js';
import { refuseRenamedGroup } from '../inbox/renamed-group.js';
import { Outbox } from '../outbox/outbox.js';
import { consoleLogger, errorMessage, type RuntimeLogger } from '../runtime-logger.js';
import { consumerMetrics, type ConsumerMetrics } from '../telemetry/runtime-metrics.js';
import { WakeSignal } from '../wake-signal.js';
import { EventApplier, type EventOutcome } from './event-applier.js';
import type { BatchHandling, EventHandler } from './event-context.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';

export interface EventConsumerOptions {
  readonly eventLog: EventLog;
  readonly dataSource: DataSource;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Handlers by event type (`ce_type`). */
  readonly handlers: ReadonlyMap<string, EventHandler> | ((type: string) => EventHandler | undefined);
  /** Event types this consumer skips on purpose; any other type without a handler is warned about once. */
  readonly ignoredTypes?: readonly string[];
  readonly retry?: Partial<RetryPolicy>;
  /** Events per batch; the default keeps a batch short so a shutdown or rebalance waits little. */
  readonly maxBatchSize?: number;
  readonly fromBeginning?: boolean;
  /** Creates `<topic>-dlt` with the source topic's partition count when missing; default true. */
  readonly createDeadLetterTopics?: boolean;
  readonly inbox?: InboxStore;
  readonly outbox?: Outbox;
  readonly logger?: RuntimeLogger;
  /** Called after each event's transaction committed (or the event was skipped or dead-lettered). */
  readonly onOutcome?: (event: LoggedEvent, outcome: EventOutcome) => void | Promise<void>;
  /** Runs of events one handler takes at once (a projection's batch path). */
  readonly batchHandler?: BatchHandling;
  /** The watchdog that notices a consumer making no progress while behind; see `ConsumerWatchdog`. */
  readonly watchdog?: Partial<ConsumerWatchdog>;
}

/**
 * A consumer that is behind on its partitions and applies nothing for `stallAfterMs` is reported
 * `recovering` (health NOT_SERVING); after `giveUpAfterMs` without progress, or when the log's
 * member says it cannot resume, `failed` (the service host exits so a supervisor restarts it).
 */
export interface ConsumerWatchdog {
  readonly checkIntervalMs: number;
  readonly stallAfterMs: number;
  readonly giveUpAfterMs: number;
}

export const DEFAULT_CONSUMER_WATCHDOG: ConsumerWatchdog = { checkIntervalMs: 5_000, stallAfterMs: 60_000, giveUpAfterMs: 10 * 60_000 };

export class EventConsumer {
  private handle: ConsumerHandle | undefined;
  private metrics: ConsumerMetrics | undefined;
  private stopping = false;
  private readonly stopSignal = new WakeSignal();
  /** What each source says: the log member, the applier (dependency outages), the watchdog. */
  private readonly statuses = new Map<'log' | 'applier' | 'watchdog', { status: ComponentStatus; reason?: string }>();
  private watchTimer: NodeJS.Timeout | undefined;
  private lastProgress = Date.now();

  constructor(private readonly options: EventConsumerOptions) {}

  /** The name this consumer reports under in `dependencyHealth`. */
  get component(): string {
    return `event consumer ${this.options.groupId}`;
  }

  /** The worst of what the sources report; `failed` stays. */
  private report(source: 'log' | 'applier' | 'watchdog', status: ComponentStatus, reason?: string): void {
    if (this.stopping) return;
    const previous = this.statuses.get(source);
    if (previous?.status === 'failed') return;
    this.statuses.set(source, { status, ...(reason === undefined ? {} : { reason }) });
    let worst: { status: ComponentStatus; reason?: string } = { status: 'ok' };
    for (const entry of this.statuses.values()) {
      if (entry.status === 'failed' || (entry.status === 'recovering' && worst.status === 'ok')) worst = entry;
    }
    const logger = this.options.logger ?? consoleLogger;
    if (status === 'failed') logger.error(`${this.component} cannot resume: ${reason ?? 'unknown reason'}`);
    dependencyHealth.report(this.component, worst.status, worst.reason);
  }

  async start(): Promise<void> {
    const { eventLog, groupId, topics } = this.options;
    if (!this.options.inbox) await refuseRenamedGroup(this.options.dataSource, groupId);
    if (this.options.createDeadLetterTopics ?? true) await this.ensureDeadLetterTopics();
    const handlers = this.options.handlers;
    const metrics = (this.metrics = consumerMetrics(eventLog, groupId, topics));
    const resolve = typeof handlers === 'function' ? handlers : (type: string) => handlers.get(type);
    const applier = new EventApplier({
      dataSource: this.options.dataSource,
      eventLog,
      groupId,
      inbox: this.options.inbox ?? new PostgresInbox(),
      outbox: this.options.outbox ?? new Outbox(),
      retry: { ...DEFAULT_RETRY_POLICY, ...this.options.retry },
      logger: this.options.logger ?? consoleLogger,
      resolveHandler: (type) => {
        const handler = resolve(type);
        return handler && metrics.timed(handler);
      },
      ignoredTypes: new Set(this.options.ignoredTypes ?? []),
      stopSignal: this.stopSignal,
      isStopping: () => this.stopping,
      onOutage: (error) =>
        this.report(
          'applier',
          error === undefined ? 'ok' : 'recovering',
          error === undefined ? undefined : `waiting for a dependency: ${errorMessage(error)}`,
        ),
      onOutcome: async (event, outcome) => {
        this.lastProgress = Date.now();
        metrics.outcome(event, outcome);
        await this.options.onOutcome?.(event, outcome);
      },
      ...(this.options.batchHandler ? { batchHandler: this.options.batchHandler } : {}),
    });
    this.stopping = false;
    this.statuses.clear();
    this.handle = await eventLog.consume(
      {
        groupId,
        topics,
        maxBatchSize: this.options.maxBatchSize ?? 50,
        fromBeginning: this.options.fromBeginning ?? true,
        onStatus: (status, reason) => this.report('log', status, reason),
        roundHandler: (batches) => applier.applyRound(batches),
      },
      (batch) => applier.applyBatch(batch),
    );
    this.lastProgress = Date.now();
    dependencyHealth.report(this.component, 'ok');
    this.watch();
  }

  /** Checks now and then that a consumer behind on its own partitions still applies events. */
  private watch(): void {
    const settings = { ...DEFAULT_CONSUMER_WATCHDOG, ...this.options.watchdog };
    let checking = false;
    this.watchTimer = setInterval(() => {
      if (checking || this.stopping) return;
      checking = true;
      void this.behind()
        .then((behind) => {
          const idleFor = Date.now() - this.lastProgress;
          if (behind === 0n || idleFor < settings.stallAfterMs) {
            if (behind === 0n) this.lastProgress = Date.now();
            if (this.statuses.get('watchdog')?.status === 'recovering') this.report('watchdog', 'ok');
            return;
          }
          const reason = `no event applied for ${Math.round(idleFor / 1000)} s while ${behind} behind`;
          this.report('watchdog', idleFor >= settings.giveUpAfterMs ? 'failed' : 'recovering', reason);
        })
        // The lag itself is unreadable: the log or the database is away, which the member and
        // the applier report themselves.
        .catch(() => undefined)
        .finally(() => (checking = false));
    }, settings.checkIntervalMs);
    this.watchTimer.unref();
  }

  /** Events waiting on the partitions this member owns. */
  private async behind(): Promise<bigint> {
    const owned = this.assignment();
    if (owned.size === 0) return 0n;
    let total = 0n;
    for (const entry of await this.lag()) if (owned.get(entry.topic)?.includes(entry.partition)) total += BigInt(entry.lag);
    return total;
  }

  /** Partitions this member owns now, per topic. */
  assignment(): ReadonlyMap<string, readonly number[]> {
    return this.handle?.assignment() ?? new Map();
  }

  /**
   * Lets the batch in progress finish and commit (a batch stuck in retries is abandoned
   * uncommitted instead), then leaves the group.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.watchTimer);
    dependencyHealth.forget(this.component);
    this.stopSignal.wake();
    this.metrics?.remove();
    const handle = this.handle;
    this.handle = undefined;
    await handle?.stop();
  }

  /** Per-partition lag of this consumer group on each of its topics, for a metrics gauge. */
  async lag(): Promise<PartitionLag[]> {
    const { eventLog, groupId, topics } = this.options;
    const perTopic = await Promise.all(topics.map((topic) => eventLog.admin.lag(groupId, topic)));
    return perTopic.flat();
  }

  private async ensureDeadLetterTopics(): Promise<void> {
    const { admin } = this.options.eventLog;
    const missing = [];
    for (const topic of this.options.topics) {
      const exists = await admin.describeTopic(deadLetterTopic(topic)).then(
        () => true,
        () => false,
      );
      if (!exists)
        missing.push({
          topic: deadLetterTopic(topic),
          partitions: (await admin.describeTopic(topic)).partitions,
          retentionMs: DEAD_LETTER_RETENTION_MS,
        });
    }
    // createTopics leaves existing topics alone, so two members starting together are fine.
    if (missing.length > 0) await admin.createTopics(missing);
  }
}
