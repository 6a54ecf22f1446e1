// Proves that the KafkaJS client and the broker version used in tests work together:
// admin, consumer groups with offset commits, idempotent produce, a consume-transform-produce
// transaction with sendOffsets (aborted once, committed once), and offsets by timestamp.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { createTestTopics, kafkaBrokers, uniqueName, type TestTopics } from '../src/index.js';

// KafkaJS logs and then retries CONCURRENT_TRANSACTIONS on back-to-back transactions (a known
// client issue, see docs/decisions/kafka-broker.md); the assertions, not the log, decide here.
const kafka = new Kafka({ clientId: 'switchyard-kafka-smoke', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
let topics: TestTopics;
const consumers: Consumer[] = [];

/** Consumes from the beginning until `count` messages arrived (or fails after a timeout). */
async function consumeAll(topic: string, count: number, options: { groupId?: string; readUncommitted?: boolean } = {}) {
  const consumer = kafka.consumer({
    groupId: options.groupId ?? uniqueName('smoke-reader'),
    readUncommitted: options.readUncommitted ?? false,
  });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${received.length}/${count} from ${topic}`)), 30_000);
    void consumer.run({
      eachMessage: async ({ message }: EachMessagePayload) => {
        received.push(message.value?.toString() ?? '');
        if (received.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  return { consumer, received };
}

beforeAll(async () => {
  topics = await createTestTopics({
    plain: { numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
    input: { numPartitions: 1 },
    output: { numPartitions: 1 },
    timed: { numPartitions: 1 },
  });
});

afterAll(async () => {
  await Promise.all(consumers.map((c) => c.disconnect()));
  await topics.delete();
});

describe('Kafka smoke (real broker)', () => {
  it('creates and describes topics with partitions and retention', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: [topics.names.plain!] });
      expect(meta[0]?.partitions).toHaveLength(3);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2 /* TOPIC */, name: topics.names.plain!, configNames: ['retention.ms'] }],
      });
      expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('3600000');
      expect((await admin.listTopics()).includes(topics.names.plain!)).toBe(true);
    } finally {
      await admin.disconnect();
    }
  });

  it('produces idempotently and consumes with a consumer group that commits offsets', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const messages = Array.from({ length: 12 }, (_, i) => ({ key: `job-${i % 4}`, value: `m${i}` }));
    await producer.send({ topic: topics.names.plain!, acks: -1, messages });
    await producer.disconnect();

    const groupId = uniqueName('smoke-group');
    const { consumer, received } = await consumeAll(topics.names.plain!, 12, { groupId });
    expect([...received].sort()).toEqual(messages.map((m) => m.value).sort());
    await consumer.disconnect(); // commits what was consumed

    const admin = kafka.admin();
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId, topics: [topics.names.plain!] });
      const total = committed[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
      expect(total).toBe(12);
    } finally {
      await admin.disconnect();
    }
  });

  it('commits a consume-transform-produce transaction with sendOffsets and hides an aborted one', async () => {
    const { input, output } = topics.names as Record<string, string>;
    const seed = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await seed.connect();
    await seed.send({
      topic: input!,
      acks: -1,
      messages: [
        { key: 'k', value: 'a' },
        { key: 'k', value: 'b' },
      ],
    });
    await seed.disconnect();

    const groupId = uniqueName('smoke-txn');
    const producer = kafka.producer({ transactionalId: uniqueName('smoke-tx'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();

    const aborted = await producer.transaction();
    await aborted.send({ topic: output!, messages: [{ key: 'k', value: 'ABORTED' }] });
    await aborted.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input!, partitions: [{ partition: 0, offset: '1' }] }] });
    await aborted.abort();

    const committed = await producer.transaction();
    await committed.send({
      topic: output!,
      messages: [
        { key: 'k', value: 'A' },
        { key: 'k', value: 'B' },
      ],
    });
    await committed.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input!, partitions: [{ partition: 0, offset: '2' }] }] });
    await committed.commit();
    await producer.disconnect();

    const readCommitted = await consumeAll(output!, 2);
    expect(readCommitted.received).toEqual(['A', 'B']);
    const readUncommitted = await consumeAll(output!, 3, { readUncommitted: true });
    expect(readUncommitted.received).toEqual(['ABORTED', 'A', 'B']);

    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({ groupId, topics: [input!] });
      expect(offsets[0]?.partitions[0]?.offset).toBe('2');
    } finally {
      await admin.disconnect();
    }
  });

  it('finds offsets by timestamp', async () => {
    const topic = topics.names.timed!;
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const t0 = Date.now() - 60_000;
    await producer.send({
      topic,
      acks: -1,
      messages: [0, 1, 2, 3].map((i) => ({ key: 'k', value: `t${i}`, timestamp: String(t0 + i * 10_000) })),
    });
    await producer.disconnect();

    const admin = kafka.admin();
    await admin.connect();
    try {
      const at = await admin.fetchTopicOffsetsByTimestamp(topic, t0 + 15_000);
      expect(at[0]?.offset).toBe('2'); // first record with timestamp >= t0+15s
      const future = await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() + 3_600_000);
      expect(future[0]?.offset).toBe('4'); // none later: the end offset
    } finally {
      await admin.disconnect();
    }
  });
});
