// Payout's connection to the log: one consumer of the usage and jobs topics (group `payout`, inbox
// and retries by the event runtime) and the outbox relay that publishes the ledger events.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TOPICS } from '@switchyard/contracts';
import type { EventLog } from '@switchyard/event-log';
import { EventConsumer, OutboxRelay, type EventHandler } from '@switchyard/event-runtime';
import { DataSource } from 'typeorm';
import type { PayoutConfig } from './config.js';
import { IGNORED_JOB_EVENT_TYPES, JobsConsumer } from './jobs.consumer.js';
import { LedgerTopics } from './ledger-topics.js';
import { EVENT_LOG, PAYOUT_CONFIG } from './tokens.js';
import { IGNORED_USAGE_EVENT_TYPES, UsageConsumer } from './usage.consumer.js';

@Injectable()
export class PayoutRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PayoutRuntime');
  private consumer: EventConsumer | undefined;
  private relay: OutboxRelay | undefined;

  constructor(
    @Inject(PAYOUT_CONFIG) private readonly config: PayoutConfig,
    @Inject(EVENT_LOG) private readonly eventLog: EventLog,
    private readonly dataSource: DataSource,
    private readonly topics: LedgerTopics,
    private readonly usage: UsageConsumer,
    private readonly jobs: JobsConsumer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Idempotent: a topic that exists is left as it is.
    await this.eventLog.admin.createTopics(
      (['jobs', 'usage', 'ledger'] as const).map((name) => ({ topic: this.topics[name], partitions: TOPICS[name].partitions, retentionMs: TOPICS[name].retentionMs })),
    );
    this.relay = new OutboxRelay({ dataSource: this.dataSource, eventLog: this.eventLog, logger: this.logger, pollIntervalMs: 500 });
    this.relay.start();
    const handlers = new Map<string, EventHandler>([...this.usage.handlers(), ...this.jobs.handlers()]);
    this.consumer = new EventConsumer({
      eventLog: this.eventLog,
      dataSource: this.dataSource,
      groupId: this.config.consumerGroup,
      topics: [this.topics.usage, this.topics.jobs],
      handlers,
      ignoredTypes: [...IGNORED_USAGE_EVENT_TYPES, ...IGNORED_JOB_EVENT_TYPES],
      retry: { maxAttempts: 5 },
      maxBatchSize: 50,
      logger: this.logger,
    });
    await this.consumer.start();
    this.logger.log(`consuming ${this.topics.usage} and ${this.topics.jobs} as group ${this.config.consumerGroup}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    await this.relay?.stop();
    await this.eventLog.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
