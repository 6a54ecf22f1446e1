// Closes what the module opened, after the transports stopped (Nest runs onApplicationShutdown
// after closing the gRPC server and the event-log consumer and relay).
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { TOPICS, topicNames } from '@switchyard/contracts';
import type { EventLog } from '@switchyard/event-log';
import { openEventLog } from '@switchyard/event-runtime';
import { DataSource } from 'typeorm';
import type { PlacementConfig } from './config.js';
import { EVENT_LOG } from './tokens.js';

/** The event log, with the topics placement reads and writes created if missing. */
export async function openPlacementEventLog(config: PlacementConfig): Promise<EventLog> {
  const eventLog = openEventLog(config.eventLog, 'switchyard-placement', { pollIntervalMs: 500 });
  const topics = topicNames(config.topicPrefix);
  await eventLog.admin.createTopics(
    (['jobs', 'providers', 'usage'] as const).map((name) => ({
      topic: topics[name],
      partitions: TOPICS[name].partitions,
      retentionMs: TOPICS[name].retentionMs,
    })),
  );
  return eventLog;
}

@Injectable()
export class PlacementResources implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_LOG) private readonly eventLog: EventLog,
    private readonly dataSource: DataSource,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.eventLog.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
