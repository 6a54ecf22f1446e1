// Append and consume rates of the two Kafka adapters against one broker, in the same run:
//   KAFKA_BROKERS=127.0.0.1:9092 node --conditions=@switchyard/source \
//     --import @swc-node/register/esm-register libs/event-log/scripts/measure-kafka-clients.ts [events]
// Each client gets its own topic (6 partitions, like jobs). Measured: batched appends (100 events
// per append, awaited one after the other), single-event appends (one at a time, the latency a
// relay without batching would see) and a fresh consumer group reading everything back. Bounded
// in count; traffic to the given broker only. The lead's `pnpm bench` supersedes these numbers.
import { randomUUID } from 'node:crypto';
import { KafkaEventLog, PlatformaticEventLog, type EventEnvelope, type EventLog } from '../src/index.js';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) throw new Error('KAFKA_BROKERS is required (e.g. from `pnpm infra:up`)');
const total = Number(process.argv[2] ?? 20_000);
const singles = 500;
const batch = 100;

const envelope = (i: number): EventEnvelope => ({
  id: randomUUID(),
  type: 'switchyard.events.v1.JobSubmitted',
  source: '/switchyard/measure',
  subject: `job-${i % 997}`,
  time: new Date().toISOString(),
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  data: {
    jobId: `job-${i % 997}`,
    tenantId: 'acme',
    spec: { kind: 'JOB_KIND_INFERENCE', gpuClass: 'a100-80g', gpuCount: 1, maxLatencyMs: 500, payload: 'x'.repeat(600) },
  },
});

async function measure(name: string, open: () => EventLog) {
  const log = open();
  const topic = `measure-${name}-${randomUUID().slice(0, 8)}`;
  await log.admin.createTopics([{ topic, partitions: 6 }]);
  try {
    await log.append(topic, [envelope(0)]); // connect, metadata
    let started = performance.now();
    for (let i = 0; i < total; i += batch)
      await log.append(
        topic,
        Array.from({ length: batch }, (_, k) => envelope(i + k)),
      );
    const batchedPerSecond = total / ((performance.now() - started) / 1000);

    const latencies: number[] = [];
    for (let i = 0; i < singles; i++) {
      const at = performance.now();
      await log.append(topic, [envelope(i)]);
      latencies.push(performance.now() - at);
    }
    latencies.sort((a, b) => a - b);

    const expected = total + singles + 1;
    let seen = 0;
    const reader = open();
    started = performance.now();
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const handle = await reader.consume({ groupId: `measure-${randomUUID()}`, topics: [topic], maxBatchSize: 500 }, async ({ events }) => {
      seen += events.length;
      if (seen >= expected) done();
    });
    await finished;
    const consumedPerSecond = expected / ((performance.now() - started) / 1000);
    await handle.stop();
    await reader.close();
    return {
      client: name,
      batchedAppendsPerSecond: Math.round(batchedPerSecond),
      singleAppendP50Ms: Number(latencies[Math.floor(singles * 0.5)]!.toFixed(2)),
      singleAppendP99Ms: Number(latencies[Math.floor(singles * 0.99)]!.toFixed(2)),
      consumedPerSecond: Math.round(consumedPerSecond),
    };
  } finally {
    await log.admin.deleteTopics([topic]).catch(() => undefined);
    await log.close();
  }
}

const results = [];
for (const round of [1, 2]) {
  results.push({ round, ...(await measure('kafkajs', () => new KafkaEventLog({ brokers, clientId: 'measure-kafkajs' }))) });
  results.push({
    round,
    ...(await measure('platformatic', () => new PlatformaticEventLog({ brokers, clientId: 'measure-platformatic' }))),
  });
}
console.log(JSON.stringify({ node: process.version, events: total, results }, null, 2));
