// Replay reads without touching live consumer groups: a throwaway group of its own (unique id,
// never commits) streams the topic from the window's start offsets (MANUAL mode), and the group
// is deleted afterwards. Live groups' committed offsets are never read or written here.
import { randomUUID } from 'node:crypto';
import { Consumer, ListOffsetTimestamps, MessagesStreamModes, type Admin, type Message } from '@platformatic/kafka';
import type { LoggedEvent } from '../envelope.js';
import type { LogPosition, ReadRange } from '../port.js';
import type { UpcasterRegistry } from '../upcasting.js';
import { baseOptions, type PlatformaticConnection } from './connection.js';
import { offsetsAt } from './platformatic-admin.js';
import { fromRecord } from './records.js';

interface PartitionWindow {
  readonly partition: number;
  next: bigint;
  readonly end: bigint;
}

export async function* readPlatformaticRange(
  connection: PlatformaticConnection,
  admin: Admin,
  offsets: Consumer,
  range: ReadRange,
  upcasters: UpcasterRegistry | undefined,
): AsyncGenerator<LoggedEvent> {
  const all = await resolveWindows(offsets, range);
  const windows = all.filter((w) => w.next < w.end);
  if (windows.length === 0) return;
  const groupId = `switchyard-replay-${randomUUID()}`;
  const byPartition = new Map(windows.map((w) => [w.partition, w]));
  const reader = new Consumer({
    ...baseOptions(connection, `${connection.clientId}-replay`),
    groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  try {
    const stream = await reader.consume({
      topics: [range.topic],
      mode: MessagesStreamModes.MANUAL,
      // Partitions outside the window start at their end: nothing is fetched from them.
      offsets: all.map((w) => ({ topic: range.topic, partition: w.partition, offset: byPartition.has(w.partition) ? w.next : w.end })),
      autocommit: false,
      maxWaitTime: 200,
    });
    try {
      for await (const message of stream as AsyncIterable<Message>) {
        const window = byPartition.get(message.partition);
        if (window && message.offset >= window.next && message.offset < window.end) {
          window.next = message.offset + 1n;
          yield fromRecord(message, upcasters);
        }
        // Compacted topics have holes: reaching the window's last offset finishes it too.
        if (window && message.offset >= window.end - 1n) window.next = window.end;
        if (windows.every((w) => w.next >= w.end)) return;
      }
    } finally {
      await stream.close().catch(() => undefined);
    }
  } finally {
    await new Promise<void>((resolve) => reader.close(true, () => resolve()));
    await admin.deleteGroups({ groups: [groupId] }).catch(() => undefined);
  }
}

async function resolveWindows(offsets: Consumer, range: ReadRange): Promise<PartitionWindow[]> {
  const [low, high] = await Promise.all([
    offsetsAt(offsets, range.topic, ListOffsetTimestamps.EARLIEST),
    offsetsAt(offsets, range.topic, ListOffsetTimestamps.LATEST),
  ]);
  const wanted = range.partitions ? new Set(range.partitions) : undefined;
  const from = await boundOf(offsets, range.topic, range.from);
  const to = await boundOf(offsets, range.topic, range.to);
  return high.map((end, partition) => {
    // Never past the partition's end: fetching beyond the high watermark is OFFSET_OUT_OF_RANGE.
    if (wanted && !wanted.has(partition)) return { partition, next: end, end };
    const start = min(end, max(low[partition] ?? 0n, from(partition) ?? low[partition] ?? 0n));
    return { partition, next: start, end: max(start, min(end, to(partition) ?? end)) };
  });
}

type Bound = (partition: number) => bigint | undefined;

async function boundOf(offsets: Consumer, topic: string, position: LogPosition | undefined): Promise<Bound> {
  if (!position) return () => undefined;
  if ('offset' in position) {
    const offset = BigInt(position.offset);
    return () => offset;
  }
  if ('offsets' in position) {
    const given = position.offsets;
    return (partition) => (given[partition] === undefined ? undefined : BigInt(given[partition]));
  }
  // ListOffsets by timestamp: per partition, the first offset whose timestamp is >= the time, or
  // the end when there is none.
  const byTime = await offsetsAt(offsets, topic, BigInt(position.time.getTime()));
  const ends = await offsetsAt(offsets, topic, ListOffsetTimestamps.LATEST);
  return (partition) => {
    const found = byTime[partition];
    return found === undefined || found < 0n ? ends[partition] : found;
  };
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);
