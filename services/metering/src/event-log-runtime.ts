// Metering's connection to the log: one consumer group over the jobs and usage topics (inbox,
// retries, dead letters) and the outbox relay, started once the module is up and stopped before
// the database closes.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { topicNames, topicProvisioning } from '@switchyard/contracts';
import type { EventLog } from '@switchyard/event-log';
import { EventConsumer, OutboxRelay, type EventHandler } from '@switchyard/event-runtime';
import { DataSource } from 'typeorm';
import type { MeteringConfig } from './config.js';
import { IGNORED_JOB_EVENT_TYPES, JobsConsumer } from './jobs.consumer.js';
import { METERING_CONFIG, EVENT_LOG } from './tokens.js';
import { IGNORED_USAGE_EVENT_TYPES, UsageConsumer } from './usage.consumer.js';

@Injectable()
export class EventLogRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventLogRuntime');
  private consumer: EventConsumer | undefined;
  private relay: OutboxRelay | undefined;

  constructor(
    @Inject(METERING_CONFIG) private readonly config: MeteringConfig,
    @Inject(EVENT_LOG) private readonly eventLog: EventLog,
    private readonly dataSource: DataSource,
    private readonly jobs: JobsConsumer,
    private readonly usage: UsageConsumer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const topics = topicNames(this.config.topicPrefix);
    // Idempotent: existing topics are left as they are.
    await this.eventLog.admin.createTopics(topicProvisioning(this.config.topicPrefix, ['jobs', 'usage']));
    this.relay = new OutboxRelay({ dataSource: this.dataSource, eventLog: this.eventLog, logger: this.logger, pollIntervalMs: 500 });
    this.relay.start();
    const handlers = new Map<string, EventHandler>([...this.jobs.handlers(), ...this.usage.handlers()]);
    this.consumer = new EventConsumer({
      eventLog: this.eventLog,
      dataSource: this.dataSource,
      groupId: this.config.consumerGroup,
      topics: [topics.jobs, topics.usage],
      handlers,
      ignoredTypes: [...IGNORED_JOB_EVENT_TYPES, ...IGNORED_USAGE_EVENT_TYPES],
      retry: { maxAttempts: 5 },
      maxBatchSize: 50,
      logger: this.logger,
    });
    await this.consumer.start();
    this.logger.log(`consuming ${topics.jobs} and ${topics.usage} as group ${this.config.consumerGroup}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    await this.relay?.stop();
    await this.eventLog.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
