// The scheduler engine as a NestJS provider: built from configuration, started after the module
// is up (lease, then state, consumer and cycles on the leader), stopped before it goes down. The
// outbox relay runs on every instance (the relay's own lock keeps one publishing).
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { EventLog } from '@switchyard/event-log';
import { consumerMetrics, OutboxRelay, type ConsumerMetrics } from '@switchyard/event-runtime';
import { topicNames } from '@switchyard/contracts';
import { DataSource } from 'typeorm';
import { AssignmentFeed } from '../assignments/assignment-feed.js';
import type { PlacementConfig } from '../config.js';
import type { PlacementPolicy } from '../domain/index.js';
import { SchedulerEngine } from '../engine/scheduler-engine.js';
import { EVENT_LOG, PLACEMENT_CONFIG, PLACEMENT_POLICY } from '../tokens.js';
import { registerPlacementMetrics } from './placement-metrics.js';

@Injectable()
export class PlacementScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly engine: SchedulerEngine;
  private readonly relay: OutboxRelay;
  private readonly logger = new Logger('PlacementScheduler');
  private readonly metrics: ReturnType<typeof registerPlacementMetrics>;
  private readonly consumer: ConsumerMetrics;

  constructor(
    @Inject(PLACEMENT_CONFIG) config: PlacementConfig,
    @Inject(PLACEMENT_POLICY) policy: PlacementPolicy,
    @Inject(EVENT_LOG) eventLog: EventLog,
    dataSource: DataSource,
    feed: AssignmentFeed,
  ) {
    const topics = topicNames(config.topicPrefix);
    this.engine = new SchedulerEngine({
      databaseUrl: config.databaseUrl,
      databaseSchema: config.databaseSchema,
      eventLog,
      consumerGroup: config.consumerGroup,
      topics: { jobs: topics.jobs, providers: topics.providers, usage: topics.usage },
      policy,
      advertisedAddress: config.advertisedAddress,
      leaseTtlMs: config.leaseTtlMs,
      livenessCheckPeriodMs: config.livenessCheckPeriodMs,
      queueRetryPeriodMs: config.queueRetryPeriodMs,
      log: { log: (m) => this.logger.log(m), warn: (m) => this.logger.warn(m), error: (m) => this.logger.error(m) },
      onCommitted: (committed) => {
        feed.publish(committed.stream);
        for (let i = 0; i < committed.providersLost; i++) this.metrics.providerLost();
      },
    });
    this.metrics = registerPlacementMetrics(this.engine);
    // The jobs consumer's lag, as every service's consumer reports it (the group's, seen from any instance).
    this.consumer = consumerMetrics(eventLog, config.consumerGroup, [topics.jobs]);
    this.relay = new OutboxRelay({
      dataSource,
      eventLog,
      batchSize: 1000,
      pollIntervalMs: 500,
      logger: { warn: (m) => this.logger.warn(m), error: (m) => this.logger.error(m), log: (m) => this.logger.log(m) },
    });
  }

  onApplicationBootstrap(): void {
    this.relay.start();
    this.engine.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.metrics.remove();
    this.consumer.remove();
    await this.engine.stop();
    await this.relay.stop();
  }
}
