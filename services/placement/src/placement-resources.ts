// The event log placement reads and writes (its topics created if missing), and closing what the
// module opened once everything else has stopped.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { TOPICS, topicNames } from '@switchyard/contracts';
import type { EventLog } from '@switchyard/event-log';
import { openEventLog } from '@switchyard/event-runtime';
import { DataSource } from 'typeorm';
import type { PlacementConfig } from './config.js';
import { EVENT_LOG } from './tokens.js';

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
