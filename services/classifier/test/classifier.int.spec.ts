// The classifier service as a real process: gRPC health and reflection, and the jobs consumer
// turning JobSubmitted into JobClassified through inbox and outbox, on both event-log backends.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defaultConsumerGroup, events, jobEventEnvelope, topicNames } from '@switchyard/contracts';
import { KafkaEventLog, PostgresEventLog, type EventLog } from '@switchyard/event-log';
import { checkHealth, listReflectedServices } from '@switchyard/service-host';
import { startServiceProcess, type ServiceProcess } from '@switchyard/service-host/testing';
import {
  createTestSchema,
  databaseUrl,
  eventually,
  kafkaBrokers,
  quiescent,
  readAll,
  type TestSchema,
  uniqueName,
} from '@switchyard/testing';

const serviceDir = fileURLToPath(new URL('..', import.meta.url));

function submitted(jobId: string, spec: Partial<ReturnType<typeof events.JobSubmitted.fromPartial>['spec']> & object) {
  return events.JobSubmitted.fromPartial({
    jobId,
    tenantId: 'acme',
    tenantPlan: 'standard',
    idempotencyKey: jobId,
    spec: { gpuClass: 'a100-80g', gpuCount: 1, estimatedDurationSeconds: 60, modelRef: 'llama-3.1-8b', ...spec },
    submittedAt: { seconds: '1764000000', nanos: 0 },
  });
}

describe.each(['postgres', 'kafka'] as const)('classifier service (%s event log)', (backend) => {
  let service: ServiceProcess | undefined;
  let schema: TestSchema;
  let log: EventLog;
  const prefix = `${uniqueName('cls')}.`;
  const jobsTopic = topicNames(prefix).jobs;

  beforeAll(async () => {
    schema = await createTestSchema('cls');
    log =
      backend === 'kafka'
        ? new KafkaEventLog({ brokers: kafkaBrokers(), clientId: 'classifier-test' })
        : new PostgresEventLog({ connectionString: databaseUrl() });
    service = await startServiceProcess({
      cwd: serviceDir,
      env: {
        DATABASE_URL: databaseUrl(),
        DATABASE_SCHEMA: schema.name,
        EVENT_LOG_BACKEND: backend,
        KAFKA_BROKERS: kafkaBrokers().join(','),
        SWITCHYARD_TOPIC_PREFIX: prefix,
      },
    });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await log?.close();
    await schema?.drop();
  });

  it('answers health SERVING and lists grpc.health.v1.Health through reflection', async () => {
    expect(await checkHealth(service!.address)).toBe('SERVING');
    expect(await listReflectedServices(service!.address)).toContain('grpc.health.v1.Health');
  });

  it('given JobSubmitted events, classifies each once, recording policy version, rule and reasons, even when one is delivered twice', async () => {
    const realtime = jobEventEnvelope(
      { jobSubmitted: submitted('job-rt', { kind: 'WORKLOAD_KIND_INFERENCE' as never, maxLatencyMs: 200 }) },
      { source: '/test', time: '2025-11-24T16:00:00Z' },
    );
    const batch = jobEventEnvelope(
      { jobSubmitted: submitted('job-batch', { kind: 'WORKLOAD_KIND_BATCH_INFERENCE' as never }) },
      { source: '/test', time: '2025-11-24T16:00:00Z' },
    );
    await log.append(jobsTopic, [realtime, batch, realtime]); // the realtime submission redelivered

    const classified = await eventually(async () => {
      const found = (await readAll(log, jobsTopic)).filter((e) => e.envelope.type === 'switchyard.events.v1.JobClassified');
      expect(found).toHaveLength(2);
      return found;
    });
    const byJob = new Map(classified.map((e) => [e.key, events.JobEvent.fromJSON(e.envelope.data).jobClassified!]));
    expect(byJob.get('job-rt')).toMatchObject({
      tier: 'TIER_REALTIME',
      policyVersion: '2026-11-24.1',
      classifiedAt: { seconds: '1764000000' },
    });
    expect(byJob.get('job-rt')!.reasons.join('; ')).toContain('max_latency_ms=200');
    expect(byJob.get('job-batch')).toMatchObject({ tier: 'TIER_BATCH' });
    const rt = classified.find((e) => e.key === 'job-rt')!.envelope;
    expect(rt).toMatchObject({ causationId: realtime.id, correlationId: 'job-rt', source: '/switchyard/classifier' });

    // Nothing more arrives for the duplicate: once the classifier has consumed everything and
    // published its outbox, whatever it decided is in the log.
    await quiescent({
      admin: log.admin,
      groupId: defaultConsumerGroup('classifier'),
      topics: [jobsTopic],
      outbox: { schema: schema.name },
    });
    expect((await readAll(log, jobsTopic)).filter((e) => e.envelope.type === 'switchyard.events.v1.JobClassified')).toHaveLength(2);
  }, 60_000);

  it('exits with code 0 within 10 s of SIGTERM', async () => {
    expect(await service!.stop(10_000)).toBe(0);
  });
});
