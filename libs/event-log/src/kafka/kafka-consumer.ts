// A consumer-group member on KafkaJS. Offsets are committed by hand, per partition, only after
// the handler resolved for the events up to that offset: a crash in between means redelivery,
// never a skipped event.
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { BatchHandler, ConsumeOptions, ConsumerHandle } from '../port.js';
import type { UpcasterRegistry } from '../upcasting.js';
import { fromKafkaMessage } from './records.js';

export interface KafkaConsumerSettings {
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** How long a member waits after a failed batch before it is delivered again. */
  readonly redeliveryDelayMs: number;
  readonly joinTimeoutMs: number;
}

export async function startKafkaConsumer(
  kafka: Kafka,
  options: ConsumeOptions,
  handler: BatchHandler,
  upcasters: UpcasterRegistry | undefined,
  settings: KafkaConsumerSettings,
): Promise<ConsumerHandle> {
  const consumer = kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: settings.heartbeatIntervalMs,
  });
  let assignment: ReadonlyMap<string, readonly number[]> = new Map();
  const joined = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      assignment = new Map(
        Object.entries(payload.memberAssignment).map(([topic, partitions]) => [topic, [...partitions].sort((a, b) => a - b)]),
      );
      resolve();
    });
  });
  // KafkaJS restarts a member that crashed on a retriable error (a lost broker) by itself; one it
  // does not restart delivers nothing more, and the owner must know (it exits to be restarted).
  // (KafkaJS emits STOP on its way to every crash, restarted or not, so STOP says nothing here.)
  let stopping = false;
  let crashed = false;
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    const reason = `consumer group ${options.groupId}: ${payload.error?.message ?? 'crashed'}`;
    if (payload.restart) {
      crashed = true;
      options.onStatus?.('recovering', reason);
    } else if (!stopping) options.onStatus?.('failed', `${reason}; KafkaJS does not restart it`);
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (crashed) options.onStatus?.('ok');
    crashed = false;
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: (payload) => handleBatch(consumer, payload, options, handler, upcasters, settings),
  });
  await withTimeout(joined, settings.joinTimeoutMs, `consumer group ${options.groupId} did not assign partitions`);

  let stopped: Promise<void> | undefined;
  return {
    assignment: () => assignment,
    stop: () => {
      stopping = true;
      return (stopped ??= consumer.disconnect());
    },
  };
}

async function handleBatch(
  consumer: Consumer,
  { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload,
  options: ConsumeOptions,
  handler: BatchHandler,
  upcasters: UpcasterRegistry | undefined,
  settings: KafkaConsumerSettings,
): Promise<void> {
  const { topic, partition } = batch;
  const size = options.maxBatchSize ?? batch.messages.length;
  for (let start = 0; start < batch.messages.length; start += size) {
    // Stopping or a rebalance (stale batch): leave the rest uncommitted for the next owner.
    if (!isRunning() || isStale()) return;
    const chunk = batch.messages.slice(start, start + size);
    const first = chunk[0]!.offset;
    const last = chunk[chunk.length - 1]!.offset;
    try {
      const events = chunk.map((message) => fromKafkaMessage(topic, partition, message, upcasters));
      await handler({ topic, partition, events });
    } catch {
      // Deliver this chunk again after a pause instead of crashing the member (KafkaJS would
      // otherwise restart the whole consumer). seek() without autoCommit only moves the fetch position.
      consumer.seek({ topic, partition, offset: first });
      await delay(settings.redeliveryDelayMs);
      return;
    }
    resolveOffset(last);
    await consumer.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }]);
    await heartbeat();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
