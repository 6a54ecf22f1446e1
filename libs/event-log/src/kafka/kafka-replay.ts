// Replay reads without touching live consumer groups. KafkaJS has no group-less assign(), so the
// read runs in a throwaway group of its own (unique id, autoCommit off, never commits: seek()
// without autoCommit only moves the local fetch position) and deletes that group afterwards.
// Live groups' committed offsets are never read or written here.
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { LoggedEvent } from '../envelope.js';
import type { LogPosition, ReadRange } from '../port.js';
import type { UpcasterRegistry } from '../upcasting.js';
import { fromKafkaMessage } from './records.js';

interface PartitionWindow {
  readonly partition: number;
  /** Next offset to deliver; only grows, so a batch fetched before the seek landed is not delivered twice. */
  next: bigint;
  readonly end: bigint;
}

export async function* readKafkaRange(
  kafka: Kafka,
  admin: Admin,
  range: ReadRange,
  upcasters: UpcasterRegistry | undefined,
): AsyncGenerator<LoggedEvent> {
  const windows = (await resolveWindows(admin, range)).filter((w) => w.next < w.end);
  if (windows.length === 0) return;

  const groupId = `switchyard-replay-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  const pending: LoggedEvent[] = [];
  let wake: (() => void) | undefined;
  let failure: unknown;
  // Set when the reader stops early (break/return): the batch handler must not wait for it.
  let abandoned = false;
  const signal = () => {
    wake?.();
    wake = undefined;
  };
  const byPartition = new Map(windows.map((w) => [w.partition, w]));

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [range.topic], fromBeginning: true });
    // A crash KafkaJS restarts from (e.g. the group coordinator still loading on a fresh broker)
    // is not the reader's failure: the consumer joins again and the join seeks again.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      failure = payload.error;
      signal();
    });
    // Seek on every join, not once after run(): run() can return before the group exists.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const window of windows) {
        if (window.next < window.end) consumer.seek({ topic: range.topic, partition: window.partition, offset: window.next.toString() });
      }
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        if (abandoned) return;
        // The fetch position moves only with resolved offsets (autoCommit is off, so resolving
        // commits nothing): without this, a partition larger than one fetch is fetched again
        // from the same offset for ever.
        resolveOffset(batch.lastOffset());
        const window = byPartition.get(batch.partition);
        if (!window) return;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset < window.next || offset >= window.end) continue;
          pending.push(fromKafkaMessage(range.topic, batch.partition, message, upcasters));
          window.next = offset + 1n;
        }
        // Compacted topics have holes: the batch reaching the window's end also finishes it.
        if (BigInt(batch.lastOffset()) >= window.end - 1n) window.next = window.end;
        signal();
        // Backpressure: the next fetch waits until the reader has taken this batch.
        while (pending.length > 0 && failure === undefined && !abandoned) await new Promise<void>((resolve) => setTimeout(resolve, 5));
        await heartbeat();
      },
    });
    const others =
      (await admin.fetchTopicMetadata({ topics: [range.topic] })).topics[0]?.partitions
        .map((p) => p.partitionId)
        .filter((p) => !byPartition.has(p)) ?? [];
    if (others.length > 0) consumer.pause([{ topic: range.topic, partitions: others }]);

    for (;;) {
      if (failure !== undefined) throw failure;
      const event = pending.shift();
      if (event) {
        yield event;
        continue;
      }
      if (windows.every((w) => w.next >= w.end)) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    // A reader that stopped early leaves a batch waiting on it; release it so disconnect can finish.
    abandoned = true;
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

async function resolveWindows(admin: Admin, range: ReadRange): Promise<PartitionWindow[]> {
  const offsets = await admin.fetchTopicOffsets(range.topic);
  const wanted = range.partitions ? new Set(range.partitions) : undefined;
  const from = await boundOf(admin, range.topic, range.from);
  const to = await boundOf(admin, range.topic, range.to);
  return offsets
    .filter((p) => !wanted || wanted.has(p.partition))
    .map((p) => {
      const low = BigInt(p.low);
      const high = BigInt(p.high);
      const start = max(low, from(p.partition) ?? low);
      const end = min(high, to(p.partition) ?? high);
      return { partition: p.partition, next: start, end };
    });
}

/** A window bound as a per-partition offset; `undefined` means unbounded on that side. */
type Bound = (partition: number) => bigint | undefined;

async function boundOf(admin: Admin, topic: string, position: LogPosition | undefined): Promise<Bound> {
  if (!position) return () => undefined;
  if ('offset' in position) {
    const offset = BigInt(position.offset);
    return () => offset;
  }
  if ('offsets' in position) {
    const offsets = position.offsets;
    return (partition) => (offsets[partition] === undefined ? undefined : BigInt(offsets[partition]));
  }
  // ListOffsets by timestamp: per partition, the first offset whose timestamp is >= the time
  // (KafkaJS substitutes the high watermark when there is none).
  const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, position.time.getTime());
  const offsets = new Map(byTime.map((p) => [p.partition, BigInt(p.offset)]));
  return (partition) => offsets.get(partition);
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);
