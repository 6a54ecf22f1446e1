// A topic prefix of its own on a real log (Kafka or PostgreSQL), seeded with a generated workload.
import { TOPICS, topicNames, type TopicName } from '@switchyard/contracts';
import { KafkaEventLog, PostgresEventLog, type EventEnvelope, type EventLog } from '@switchyard/event-log';
import { defaultTierPolicyPath, loadTierPolicy } from '@switchyard/classifier/policy';
import { defaultPlacementPolicy } from '@switchyard/placement/domain';
import { createTestSchema, kafkaBrokers, uniqueName, type TestSchema } from '@switchyard/testing';
import { logLevel } from 'kafkajs';
import { generateWorkload, type Workload } from './workload/generate-workload.js';

export type BackendName = 'kafka' | 'postgres';

export interface SeededLog {
  readonly log: EventLog;
  readonly prefix: string;
  readonly workload: Workload;
  /** Environment for the CLI child process: backend, connection and prefix. */
  readonly env: Record<string, string>;
  readonly schema: TestSchema | undefined;
  close(): Promise<void>;
}

export async function seedLog(backend: BackendName, jobs: number, options: { uuidJobIds?: boolean } = {}): Promise<SeededLog> {
  const prefix = `${uniqueName('cli')}.`;
  const schema = backend === 'postgres' ? await createTestSchema('cli') : undefined;
  const log: EventLog =
    backend === 'postgres'
      ? new PostgresEventLog({ connectionString: schema!.url })
      : new KafkaEventLog({ brokers: kafkaBrokers(), clientId: 'cli-test-seed', logLevel: logLevel.NOTHING });
  const names = topicNames(prefix);
  await log.admin.createTopics((Object.keys(TOPICS) as TopicName[]).map((t) => ({ topic: names[t], partitions: TOPICS[t].partitions })));
  const workload = generateWorkload({
    jobs,
    seed: 20261124,
    tierPolicy: await loadTierPolicy(defaultTierPolicyPath),
    placementPolicy: defaultPlacementPolicy,
    uuidJobIds: options.uuidJobIds === true,
  });
  await appendInBatches(log, names.providers, workload.providers);
  await appendInBatches(log, names.jobs, workload.jobs);
  await appendInBatches(log, names.usage, workload.usage);
  const env: Record<string, string> =
    backend === 'postgres'
      ? { DATABASE_URL: schema!.url, SWITCHYARD_TOPIC_PREFIX: prefix }
      : { KAFKA_BROKERS: kafkaBrokers().join(','), SWITCHYARD_TOPIC_PREFIX: prefix };
  return {
    log,
    prefix,
    workload,
    env,
    schema,
    async close() {
      await log.admin.deleteTopics(Object.values(names)).catch(() => undefined);
      await log.close();
      await schema?.drop();
    },
  };
}

async function appendInBatches(log: EventLog, topic: string, events: readonly EventEnvelope[]): Promise<void> {
  for (let i = 0; i < events.length; i += 500) await log.append(topic, events.slice(i, i + 500));
}
