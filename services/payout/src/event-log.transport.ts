// Payout's connection to the log, served beside gRPC by the service host: one consumer group over
// the usage and jobs topics (the @EventPattern handlers of UsageConsumer and JobsConsumer, each
// event applied once through the inbox, its ledger events written to the outbox) and the relay
// that publishes the outbox to the ledger topic.
import type { INestApplicationContext } from '@nestjs/common';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import type { EventLog } from '@switchyard/event-log';
import { EventLogServer } from '@switchyard/event-runtime';
import { DataSource } from 'typeorm';
import type { PayoutConfig } from './config.js';
import { IGNORED_JOB_EVENT_TYPES } from './jobs.consumer.js';
import { LedgerTopics } from './ledger-topics.js';
import { EVENT_LOG, PAYOUT_CONFIG } from './tokens.js';
import { IGNORED_USAGE_EVENT_TYPES } from './usage.consumer.js';

export function payoutTransports(app: INestApplicationContext): CustomTransportStrategy[] {
  const config = app.get<PayoutConfig>(PAYOUT_CONFIG);
  const topics = app.get(LedgerTopics);
  return [
    new EventLogServer({
      eventLog: app.get<EventLog>(EVENT_LOG),
      dataSource: app.get(DataSource),
      groupId: config.consumerGroup,
      topics: [topics.usage, topics.jobs],
      ignoredTypes: [...IGNORED_USAGE_EVENT_TYPES, ...IGNORED_JOB_EVENT_TYPES],
      // A refused UsageMetered (charge != earning + fee) is dead-lettered after these.
      retry: { maxAttempts: 5 },
      maxBatchSize: 50,
      relay: { pollIntervalMs: 500 },
    }),
  ];
}
