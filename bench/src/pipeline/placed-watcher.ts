// Reads the jobs topic as an outside consumer would (its own consumer group) and records, per
// job, when its first JobPlaced (or JobQueued) was appended to the log: submit→placed is
// measured from the client's send time to the log's append time.
import { KafkaEventLog, PostgresEventLog, type ConsumerHandle, type EventLog } from '@switchyard/event-log';
import type { RunningSystem } from '../system.js';

const PLACED = 'switchyard.events.v1.JobPlaced';
const QUEUED = 'switchyard.events.v1.JobQueued';

export interface PlacedWatcher {
  /** Epoch ms of the first JobPlaced append of each job seen so far. */
  readonly placedAt: ReadonlyMap<string, number>;
  readonly queued: ReadonlySet<string>;
  readonly eventsSeen: () => number;
  stop(): Promise<void>;
}

export function openLog(system: RunningSystem, clientId: string): EventLog {
  return system.backend === 'kafka'
    ? new KafkaEventLog({ brokers: [...system.kafkaBrokers!], clientId })
    : new PostgresEventLog({ connectionString: system.databaseUrl, consumer: { pollIntervalMs: 100 } });
}

export async function watchPlacements(system: RunningSystem): Promise<PlacedWatcher> {
  const log = openLog(system, 'switchyard-bench-watcher');
  const placedAt = new Map<string, number>();
  const queued = new Set<string>();
  let seen = 0;
  const handle: ConsumerHandle = await log.consume(
    { groupId: `bench-watcher-${Date.now()}`, topics: [`${system.topicPrefix}jobs`], fromBeginning: true, maxBatchSize: 2000 },
    async (batch) => {
      for (const event of batch.events) {
        seen++;
        const type = event.envelope.type;
        if (type === PLACED) {
          if (!placedAt.has(event.key)) placedAt.set(event.key, event.appendedAt.getTime());
        } else if (type === QUEUED) queued.add(event.key);
      }
    },
  );
  return {
    placedAt,
    queued,
    eventsSeen: () => seen,
    stop: async () => {
      await handle.stop();
      await log.close();
    },
  };
}
