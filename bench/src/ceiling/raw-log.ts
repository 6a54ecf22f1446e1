// The raw-log ceiling: the same number of envelopes, of the same shape and size as the pipeline
// wrote, appended through the same EventLog adapter (opened as the services open it) in batches
// as large as the outbox relays publish, and read back by a consumer group. The end-to-end rate
// (first append to last event consumed) is what the log could carry for the pipeline.
import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@switchyard/event-log';
import { topicProvisioning } from '@switchyard/contracts';
import { openLog } from '../pipeline/placed-watcher.js';
import { sleep } from '../stats.js';
import type { RunningSystem } from '../system.js';

export interface RawLogSpec {
  readonly events: number;
  /** Envelopes per append (an outbox relay's round). */
  readonly batchSize: number;
  /** Appends in flight at once (one per relay publishing to the topic). */
  readonly appenders: number;
  /** Events per consumer batch (what the services' consumers ask for). */
  readonly consumeBatchSize: number;
}

export interface RawLogFigures extends RawLogSpec {
  readonly backend: string;
  readonly meanEnvelopeBytes: number;
  /** All appends acknowledged, from the first append. */
  readonly appendSeconds: number;
  /** Last event consumed, from the first append. */
  readonly endToEndSeconds: number;
  readonly appendedPerSecond: number;
  readonly eventsPerSecond: number;
  readonly consumed: number;
}

/** Bytes of an envelope as the log stores it: its JSON (headers and payload). */
export const envelopeBytes = (envelope: EventEnvelope): number => Buffer.byteLength(JSON.stringify(envelope));

/** `count` envelopes cycling through the samples, each with a fresh id and subject of the same length. */
export function envelopesLike(samples: readonly EventEnvelope[], count: number): EventEnvelope[] {
  if (samples.length === 0) throw new Error('no sample envelopes to copy');
  return Array.from({ length: count }, (_, i) => {
    const sample = samples[i % samples.length]!;
    const subject = randomUUID();
    // A UUID in place of the id's UUID part (ids are a UUID, or a UUID and a suffix such as `:classified`).
    return { ...sample, id: `${randomUUID()}${sample.id.slice(36)}`, subject, correlationId: subject };
  });
}

export async function measureRawLog(
  system: RunningSystem,
  spec: RawLogSpec,
  samples: readonly EventEnvelope[],
  log: (m: string) => void,
): Promise<RawLogFigures> {
  const eventLog = openLog(system, 'switchyard-bench-raw');
  const topic = `${system.topicPrefix}raw-${spec.batchSize}-${Date.now().toString(36)}`;
  try {
    // The jobs topic's partitioning, so consumers get the same parallelism.
    const jobs = topicProvisioning('', ['jobs'])[0]!;
    await eventLog.admin.createTopics([{ topic, partitions: jobs.partitions }]);
    const envelopes = envelopesLike(samples, spec.events);
    const meanEnvelopeBytes = envelopes.reduce((n, e) => n + envelopeBytes(e), 0) / envelopes.length;
    let consumed = 0;
    let lastConsumedAt = 0;
    const handle = await eventLog.consume(
      { groupId: `bench-raw-${Date.now()}`, topics: [topic], fromBeginning: true, maxBatchSize: spec.consumeBatchSize },
      async (batch) => {
        consumed += batch.events.length;
        lastConsumedAt = performance.now();
      },
    );
    try {
      const started = performance.now();
      let next = 0;
      const appender = async (): Promise<void> => {
        while (next < envelopes.length) {
          const from = next;
          next += spec.batchSize;
          await eventLog.append(topic, envelopes.slice(from, from + spec.batchSize));
        }
      };
      await Promise.all(Array.from({ length: spec.appenders }, appender));
      const appended = performance.now();
      const deadline = Date.now() + 120_000;
      while (consumed < spec.events && Date.now() < deadline) await sleep(20);
      const appendSeconds = (appended - started) / 1000;
      const endToEndSeconds = (Math.max(lastConsumedAt, appended) - started) / 1000;
      const figures: RawLogFigures = {
        ...spec,
        backend: system.backend,
        meanEnvelopeBytes,
        appendSeconds,
        endToEndSeconds,
        appendedPerSecond: spec.events / appendSeconds,
        eventsPerSecond: consumed / endToEndSeconds,
        consumed,
      };
      log(
        `ceiling: raw ${system.backend} log, ${spec.events} envelopes of ${meanEnvelopeBytes.toFixed(0)} B in batches of ${spec.batchSize}: ` +
          `appended at ${figures.appendedPerSecond.toFixed(0)}/s, consumed ${consumed} at ${figures.eventsPerSecond.toFixed(0)} events/s end to end`,
      );
      return figures;
    } finally {
      await handle.stop();
    }
  } finally {
    await eventLog.admin.deleteTopics([topic]).catch(() => undefined);
    await eventLog.close();
  }
}
