// Reads the jobs topic as an outside consumer would (its own consumer group) and records, per
// job, when its first JobPlaced (or JobQueued) was appended to the log: submit→placed is
// measured from the client's send time to the log's append time.
import { KafkaEventLog, PostgresEventLog, type ConsumerHandle, type EventEnvelope, type EventLog } from '@switchyard/event-log';
import type { RunningSystem } from '../system.js';

const PLACED = 'switchyard.events.v1.JobPlaced';
const QUEUED = 'switchyard.events.v1.JobQueued';
const SAMPLES_PER_TYPE = 50;

/**
 * What one job's submit→placed writes to the log: JobSubmitted (intake's outbox), JobClassified
 * (the classifier's) and JobPlaced (placement's cycle), all on the jobs topic. Reservations live
 * in placement's tables, not in the log, and no providers-topic event is written per placement.
 */
export const EVENTS_PER_PLACED_JOB = ['switchyard.events.v1.JobSubmitted', 'switchyard.events.v1.JobClassified', PLACED] as const;

export interface PlacedWatcher {
  /** Epoch ms of the first JobPlaced append of each job seen so far. */
  readonly placedAt: ReadonlyMap<string, number>;
  readonly queued: ReadonlySet<string>;
  readonly eventsSeen: () => number;
  /** Events seen so far per type (the pipeline's writes to the jobs topic). */
  readonly eventsByType: ReadonlyMap<string, number>;
  /** Envelopes as the pipeline wrote them, a few of each type: the raw-log ceiling replays their shape and size. */
  readonly samples: ReadonlyMap<string, readonly EventEnvelope[]>;
  stop(): Promise<void>;
}

export function openLog(system: RunningSystem, clientId: string): EventLog {
  return system.backend === 'kafka'
    ? new KafkaEventLog({ brokers: [...system.kafkaBrokers!], clientId })
    : new PostgresEventLog({ connectionString: system.databaseUrl, consumer: { pollIntervalMs: 100 } });
}

/** `fromBeginning` false starts at the log's end: after seeding, the history is not read again. */
export async function watchPlacements(system: RunningSystem, fromBeginning = true): Promise<PlacedWatcher> {
  const log = openLog(system, 'switchyard-bench-watcher');
  const placedAt = new Map<string, number>();
  const queued = new Set<string>();
  let seen = 0;
  const byType = new Map<string, number>();
  const samples = new Map<string, EventEnvelope[]>();
  const handle: ConsumerHandle = await log.consume(
    { groupId: `bench-watcher-${Date.now()}`, topics: [`${system.topicPrefix}jobs`], fromBeginning, maxBatchSize: 2000 },
    async (batch) => {
      for (const event of batch.events) {
        seen++;
        const type = event.envelope.type;
        byType.set(type, (byType.get(type) ?? 0) + 1);
        const kept = samples.get(type) ?? [];
        if (kept.length < SAMPLES_PER_TYPE) samples.set(type, [...kept, event.envelope]);
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
    eventsByType: byType,
    samples,
    stop: async () => {
      await handle.stop();
      await log.close();
    },
  };
}
