// A real three-node Kafka cluster (KRaft, from the same Maven Central jars as the single test
// broker; replication factor 3, min ISR 2): a broker SIGKILLed while events are appended with
// acks=all loses none of the acknowledged ones, and the run finishes on the two that remain.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually, startKafkaCluster, uniqueName, type KafkaCluster } from '@switchyard/testing';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaEventLog, type ConsumerHandle, type EventEnvelope } from '../src/index.js';

const APPENDS = 120;
const PER_APPEND = 5;
const KILL_AT = 40;

function envelope(i: number): EventEnvelope {
  return {
    id: `cluster-${i}`,
    type: 'switchyard.events.v1.JobSubmitted',
    source: '/switchyard/test',
    subject: `job-${i % 37}`,
    time: new Date(1_700_000_000_000 + i).toISOString(),
    data: { n: i },
  };
}

describe('Kafka cluster of three brokers, one killed mid-run', () => {
  let cluster: KafkaCluster;
  let log: KafkaEventLog;
  let consumer: ConsumerHandle | undefined;
  const topic = uniqueName('cluster');

  beforeAll(async () => {
    cluster = await startKafkaCluster(3);
    log = new KafkaEventLog({
      brokers: cluster.brokers,
      clientId: uniqueName('cluster'),
      logLevel: logLevel.NOTHING,
      replicationFactor: 3,
    });
  }, 180_000);

  afterAll(async () => {
    await consumer?.stop().catch(() => undefined);
    await log?.close().catch(() => undefined);
    await cluster?.stop();
  }, 60_000);

  it('replicates every partition on three brokers', async () => {
    await log.admin.createTopics([{ topic, partitions: 3 }]);
    const kafka = new Kafka({ brokers: cluster.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(topics[0]!.partitions.map((p) => p.replicas.length)).toEqual([3, 3, 3]);
      const described = await admin.describeConfigs({
        resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ['min.insync.replicas'] }],
        includeSynonyms: false,
      });
      expect(described.resources[0]!.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue).toBe('2');
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it('loses no acknowledged event when a broker is SIGKILLed during appends (acks=all)', async () => {
    const consumed = new Set<string>();
    consumer = await log.consume({ groupId: uniqueName('cluster-group'), topics: [topic] }, async (batch) => {
      for (const event of batch.events) consumed.add(event.envelope.id);
    });
    const acknowledged: string[] = [];
    let refused = 0;
    let acknowledgedAfterKill = 0;
    let killed = false;
    for (let a = 0; a < APPENDS; a++) {
      if (a === KILL_AT) {
        await cluster.killBroker(0);
        killed = true;
      }
      const batch = Array.from({ length: PER_APPEND }, (_, k) => envelope(a * PER_APPEND + k));
      try {
        await log.append(topic, batch);
        acknowledged.push(...batch.map((e) => e.id));
        if (killed) acknowledgedAfterKill += batch.length;
      } catch {
        // Not acknowledged: the caller would retry it (the outbox does); it proves nothing either way.
        refused += batch.length;
      }
    }
    // The run finishes on the two remaining brokers.
    expect(acknowledgedAfterKill).toBeGreaterThan((APPENDS - KILL_AT) * PER_APPEND * 0.8);
    await eventually(
      () => {
        const missing = acknowledged.filter((id) => !consumed.has(id));
        if (missing.length > 0)
          throw new Error(`${missing.length} acknowledged events not consumed yet (e.g. ${missing.slice(0, 3).join(', ')})`);
      },
      90_000,
      500,
    );
    expect(acknowledged.length + refused).toBe(APPENDS * PER_APPEND);
  }, 150_000);
});
