// A consumer-group member on @platformatic/kafka. Records arrive one by one on a stream; they are
// gathered per partition and handed over as batches while the stream is paused; records of a
// partition this member does not own (any more) are dropped. A partition's
// offset is committed only after the handler resolved for its batch. A rejected batch (or a
// commit refused because the group rebalanced) restarts the stream from the group's committed
// offsets after a pause: redelivery, never a skipped event.
import { Consumer, MessagesStreamFallbackModes, MessagesStreamModes, type Message, type MessagesStream } from '@platformatic/kafka';
import type { BatchHandler, ConsumeOptions, ConsumerHandle } from '../port.js';
import type { UpcasterRegistry } from '../upcasting.js';
import { baseOptions, type PlatformaticConnection } from './connection.js';
import { fromRecord } from './records.js';

export interface PlatformaticConsumerSettings {
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** How long a member waits after a failed batch before it is delivered again. */
  readonly redeliveryDelayMs: number;
  /** Longest a fetch waits for records on an idle partition. */
  readonly maxWaitTimeMs: number;
}

export async function startPlatformaticConsumer(
  connection: PlatformaticConnection,
  options: ConsumeOptions,
  handler: BatchHandler,
  upcasters: UpcasterRegistry | undefined,
  settings: PlatformaticConsumerSettings,
): Promise<ConsumerHandle> {
  const consumer = new Consumer({
    ...baseOptions(connection),
    groupId: options.groupId,
    sessionTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: settings.heartbeatIntervalMs,
    rebalanceTimeout: settings.sessionTimeoutMs,
  });
  let assignment: ReadonlyMap<string, readonly number[]> = new Map();
  const readAssignment = () => {
    assignment = new Map((consumer.assignments ?? []).map((a) => [a.topic, [...a.partitions].sort((x, y) => x - y)]));
  };
  consumer.on('consumer:group:join', readAssignment);
  // The stream can still deliver records fetched for partitions of the previous assignment while
  // the group rebalances; only the current owner may hand them to the handler.
  const owns = (topic: string, partition: number): boolean =>
    (consumer.assignments ?? []).some((a) => a.topic === topic && a.partitions.includes(partition));

  let stopping = false;
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  let pending: Message[] = [];
  let draining: Promise<void> | undefined;
  let restarting: Promise<void> | undefined;
  let outage = false;

  // Per partition, the offset after the last record taken from the stream. The stream fetches
  // again from the committed offsets when the group rebalances, which can hand over records this
  // member already holds; those are dropped here, so a record reaches the handler once per stream.
  let taken = new Map<string, bigint>();

  const open = async (): Promise<void> => {
    pending = [];
    taken = new Map();
    const opened = await consumer.consume({
      topics: [...options.topics],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: options.fromBeginning === false ? MessagesStreamFallbackModes.LATEST : MessagesStreamFallbackModes.EARLIEST,
      autocommit: false,
      maxWaitTime: settings.maxWaitTimeMs,
    });
    stream = opened;
    readAssignment();
    opened.on('data', (message: Message) => {
      if (stream !== opened || !owns(message.topic, message.partition)) return;
      const key = `${message.topic}\u0000${message.partition}`;
      if (message.offset < (taken.get(key) ?? -1n)) return;
      taken.set(key, message.offset + 1n);
      pending.push(message);
      schedule(opened);
    });
    opened.on('error', () => restart());
  };

  /** One drain at a time; it starts a tick later, so records that arrive together form one batch. */
  const schedule = (from: MessagesStream<Buffer, Buffer, Buffer, Buffer>): void => {
    if (draining || stopping) return;
    draining = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => drain(from))
      .finally(() => {
        draining = undefined;
        if (pending.length > 0 && stream === from) schedule(from);
      });
  };

  const drain = async (from: MessagesStream<Buffer, Buffer, Buffer, Buffer>): Promise<void> => {
    from.pause();
    try {
      while (pending.length > 0 && stream === from && !stopping) {
        const batch = pending;
        pending = [];
        for (const chunk of partitionChunks(batch, options.maxBatchSize)) {
          if (stream !== from || stopping) return;
          // Lost in a rebalance while it waited: its new owner reads it from the committed offset.
          if (!owns(chunk[0]!.topic, chunk[0]!.partition)) continue;
          const events = chunk.map((message) => fromRecord(message, upcasters));
          try {
            await handler({ topic: chunk[0]!.topic, partition: chunk[0]!.partition, events });
            // Commits offset + 1 of the chunk's last record, under the current generation.
            await chunk[chunk.length - 1]!.commit();
          } catch {
            restart();
            return;
          }
        }
      }
    } finally {
      if (stream === from && !stopping) from.resume();
    }
  };

  const restart = (): void => {
    if (stopping || restarting) return;
    const previous = stream;
    stream = undefined;
    restarting = (async () => {
      await previous?.close().catch(() => undefined);
      // Until the stream opens again (the broker may be away): back off, never give up silently.
      let pause = settings.redeliveryDelayMs;
      while (!stopping) {
        await new Promise((resolve) => setTimeout(resolve, pause));
        if (stopping) return;
        try {
          await open();
          if (outage) options.onStatus?.('ok');
          outage = false;
          return;
        } catch (error) {
          if (!outage) options.onStatus?.('recovering', `consumer group ${options.groupId}: ${(error as Error)?.message ?? String(error)}`);
          outage = true;
          pause = Math.min(pause * 2, 5_000);
        }
      }
    })().finally(() => (restarting = undefined));
  };

  try {
    await open();
  } catch (error) {
    await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    assignment: () => assignment,
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        await draining;
        await restarting;
        await stream?.close().catch(() => undefined);
        await consumer.close().catch(() => new Promise<void>((resolve) => consumer.close(true, () => resolve())));
      })()),
  };
}

/** Messages grouped by topic-partition in arrival (= offset) order, cut into chunks of at most `size`. */
function partitionChunks(messages: readonly Message[], size: number | undefined): Message[][] {
  const byPartition = new Map<string, Message[]>();
  for (const message of messages) {
    const key = `${message.topic}\u0000${message.partition}`;
    let list = byPartition.get(key);
    if (!list) byPartition.set(key, (list = []));
    list.push(message);
  }
  const chunks: Message[][] = [];
  for (const list of byPartition.values()) {
    const step = size ?? list.length;
    for (let start = 0; start < list.length; start += step) chunks.push(list.slice(start, start + step));
  }
  return chunks;
}
