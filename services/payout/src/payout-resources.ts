// The event log (with the topics payout reads and writes created if missing) and the closing of
// what the module opened, after the transports stopped: Nest runs onApplicationShutdown after it
// closed the gRPC server and the event-log consumer and relay.
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { topicProvisioning } from '@switchyard/contracts';
import type { EventLog } from '@switchyard/event-log';
import { openEventLog } from '@switchyard/event-runtime';
import { DataSource } from 'typeorm';
import type { PayoutConfig } from './config.js';
import { EVENT_LOG } from './tokens.js';

export async function openPayoutEventLog(config: PayoutConfig): Promise<EventLog> {
  const eventLog = openEventLog(config.eventLog, 'switchyard-payout', { pollIntervalMs: 500 });
  // Idempotent: a topic that exists is left as it is.
  await eventLog.admin.createTopics(topicProvisioning(config.topicPrefix, ['jobs', 'usage', 'ledger']));
  return eventLog;
}

@Injectable()
export class PayoutResources implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_LOG) private readonly eventLog: EventLog,
    private readonly dataSource: DataSource,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.eventLog.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
