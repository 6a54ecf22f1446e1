// Placement's connection to the log: the jobs-topic consumer (inbox, retries, dead letters) and
// the outbox relay, started after the module is up and stopped before the database closes.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TOPICS } from '@switchyard/contracts';
import type { EventLog } from '@switchyard/event-log';
import { EventConsumer, OutboxRelay } from '@switchyard/event-runtime';
import { DataSource } from 'typeorm';
import type { PlacementConfig } from './config.js';
import { IGNORED_JOB_EVENT_TYPES, JobsConsumer } from './jobs.consumer.js';
import { PlacementEvents } from './placement-events.js';
import { EVENT_LOG, PLACEMENT_CONFIG } from './tokens.js';

@Injectable()
export class EventLogRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventLogRuntime');
  private consumer: EventConsumer | undefined;
  private relay: OutboxRelay | undefined;

  constructor(
    @Inject(PLACEMENT_CONFIG) private readonly config: PlacementConfig,
    @Inject(EVENT_LOG) private readonly eventLog: EventLog,
    private readonly dataSource: DataSource,
    private readonly events: PlacementEvents,
    private readonly jobs: JobsConsumer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { topics } = this.events;
    // Idempotent: a topic that exists is left as it is.
    await this.eventLog.admin.createTopics(
      (['jobs', 'providers', 'usage'] as const).map((name) => ({
        topic: topics[name],
        partitions: TOPICS[name].partitions,
        retentionMs: TOPICS[name].retentionMs,
      })),
    );
    this.relay = new OutboxRelay({ dataSource: this.dataSource, eventLog: this.eventLog, logger: this.logger, pollIntervalMs: 500 });
    this.relay.start();
    this.consumer = new EventConsumer({
      eventLog: this.eventLog,
      dataSource: this.dataSource,
      groupId: this.config.consumerGroup,
      topics: [topics.jobs],
      handlers: this.jobs.handlers(),
      ignoredTypes: IGNORED_JOB_EVENT_TYPES,
      retry: { maxAttempts: 5 },
      maxBatchSize: 20,
      logger: this.logger,
      onOutcome: (event, outcome) => this.jobs.onCommitted(event, outcome),
    });
    await this.consumer.start();
    this.logger.log(`consuming ${topics.jobs} as group ${this.config.consumerGroup}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    await this.relay?.stop();
    await this.eventLog.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
