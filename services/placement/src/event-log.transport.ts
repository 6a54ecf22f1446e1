// Placement's connection to the log, served beside gRPC by the service host: the jobs-topic
// consumer (the @EventPattern handlers of JobsConsumer, each applied once through the inbox)
// and the outbox relay, both from the event runtime.
import type { INestApplicationContext } from '@nestjs/common';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import type { EventLog } from '@switchyard/event-log';
import { EventLogServer } from '@switchyard/event-runtime';
import { DataSource } from 'typeorm';
import { CapacitySignal } from './capacity-signal.js';
import type { PlacementConfig } from './config.js';
import { IGNORED_JOB_EVENT_TYPES, mayFreeCapacity } from './jobs.consumer.js';
import { PlacementEvents } from './placement-events.js';
import { EVENT_LOG, PLACEMENT_CONFIG } from './tokens.js';

export function placementTransports(app: INestApplicationContext): CustomTransportStrategy[] {
  const config = app.get<PlacementConfig>(PLACEMENT_CONFIG);
  const capacity = app.get(CapacitySignal);
  return [
    new EventLogServer({
      eventLog: app.get<EventLog>(EVENT_LOG),
      dataSource: app.get(DataSource),
      groupId: config.consumerGroup,
      topics: [app.get(PlacementEvents).topics.jobs],
      ignoredTypes: IGNORED_JOB_EVENT_TYPES,
      // A lost capacity race is retried inside the handler; these cover deadlocks and outages.
      retry: { maxAttempts: 5 },
      maxBatchSize: 20,
      relay: { pollIntervalMs: 500 },
      onOutcome: (event, outcome) => {
        if (mayFreeCapacity(event, outcome)) capacity.raise();
      },
    }),
  ];
}
