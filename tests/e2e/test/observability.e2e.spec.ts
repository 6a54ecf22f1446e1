// What standard tools see of a running Switchyard: all five services as real processes on the
// PostgreSQL log, one job driven through them by real gRPC clients, then
// - every server's reflection loads into a strict descriptor registry, and intake takes a
//   SubmitJob from a client built only from it;
// - every series the Grafana dashboard and the alert rules in deploy/observability query is on
//   some service's /metrics.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api, dataschemaForEventType, expectedKey, keyOf, SUBSCRIPTIONS, TOPICS, type TopicName } from '@switchyard/contracts';
import type { LoggedEvent } from '@switchyard/event-log';
import { callUnary, reflectServer, strictRegistry } from '@switchyard/service-host/testing';
import { scrape, select, type Sample } from '@switchyard/telemetry/testing';
import { parse } from 'yaml';
import { JobApi, OPERATORS, TENANTS, TestProvider, eventually, startStack, type ServiceName, type Stack } from '../src/index.js';

const observability = new URL('../../../deploy/observability/', import.meta.url);
const dashboard = JSON.parse(readFileSync(new URL('grafana/dashboards/switchyard.json', observability), 'utf8')) as {
  panels: { targets?: { expr: string }[] }[];
};
const rules = parse(readFileSync(new URL('alerts.yml', observability), 'utf8')) as {
  groups: { rules: { alert: string; expr: string }[] }[];
};

/** Series names a PromQL expression reads (label names, functions and keywords left out). */
function seriesIn(expr: string): string[] {
  const withoutLabels = expr
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/"[^"]*"|'[^']*'/g, '');
  return [...new Set([...withoutLabels.matchAll(/\b([a-z_:][a-z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]!))].filter(
    (name) => !['and', 'or', 'unless', 'bool', 'offset', 'le'].includes(name) && !/^\d/.test(name) && name.includes('_'),
  );
}

const queried = [
  ...dashboard.panels.flatMap((panel) => panel.targets ?? []).map((target) => target.expr),
  ...rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr)),
];
const QUERIED_SERIES = [...new Set(queried.flatMap(seriesIn))].sort();
/** Made by Prometheus itself, not exported by a service. */
const PROMETHEUS_SERIES = new Set(['up']);
/** Placement registers these (docs/observability.md, "Placement's metrics"); pending until it does. */
const isPlacementSeries = (name: string): boolean => /^switchyard_(placement_|providers|provider_)/.test(name);

/** Debian's python3 with python3-grpcio and python3-protobuf, when installed: an outside client. */
const python = ['/usr/bin/python3', 'python3'].find(
  (candidate) =>
    (candidate.startsWith('/') ? existsSync(candidate) : true) &&
    spawnSync(candidate, ['-c', 'import grpc, google.protobuf'], { stdio: 'ignore' }).status === 0,
);
const pythonClient = fileURLToPath(new URL('./support/reflection_client.py', import.meta.url));
const withPython = python ? it : it.skip;

const SERVED: Record<ServiceName, string[]> = {
  intake: ['switchyard.v1.JobService'],
  classifier: [],
  placement: ['switchyard.v1.ProviderService'],
  metering: ['switchyard.v1.UsageService'],
  payout: ['switchyard.v1.PayoutService'],
};

describe('observability end to end (PostgreSQL event log)', () => {
  let stack: Stack;
  let provider: TestProvider;
  let exported: Map<string, Sample[]>;

  beforeAll(async () => {
    stack = await startStack({
      backend: 'postgres',
      services: ['intake', 'classifier', 'placement', 'metering', 'payout'],
      serviceEnv: { placement: { HEARTBEAT_INTERVAL_MS: '500', LIVENESS_CHECK_PERIOD_MS: '250', QUEUE_RETRY_PERIOD_MS: '500' } },
    });
    provider = await TestProvider.register(stack.address.placement!, {
      operatorKey: OPERATORS.north.apiKey,
      operatorId: OPERATORS.north.operatorId,
      region: 'eu-west',
      gpuClass: 'a100-80g',
      gpus: 4,
      pricePerGpuHourBaseUnits: 2_000_000,
      latencyMs: 20,
    });
    const jobs = new JobApi(stack.address.intake!, TENANTS.acme.apiKey);
    const { job } = await jobs.submit({
      idempotencyKey: 'observability-1',
      spec: api.JobSpec.fromPartial({
        kind: api.WorkloadKind.WORKLOAD_KIND_INFERENCE,
        modelRef: 'llama-3.1-8b',
        gpuClass: 'a100-80g',
        gpuCount: 1,
        minVramGib: 40,
        maxLatencyMs: 500,
        estimatedDurationSeconds: 60,
      }),
    });
    await eventually(async () => expect((await jobs.get(job!.id)).job!.state).toBe(api.JobState.JOB_STATE_PLACED), 60_000);
    await provider.start(job!.id);
    await provider.complete(job!.id, { reportId: 'observability-report-1', gpuMilliseconds: 42_000 });
    await eventually(async () => expect((await jobs.get(job!.id)).job!.state).toBe(api.JobState.JOB_STATE_COMPLETED), 60_000);
    jobs.close();
    // Metering meters the report and payout posts it; then every endpoint has seen the whole flow.
    exported = await eventually(async () => {
      const byName = new Map<string, Sample[]>();
      for (const url of Object.values(stack.metricsUrls).flat())
        for (const sample of await scrape(url)) byName.set(sample.name, [...(byName.get(sample.name) ?? []), sample]);
      expect(select([...(byName.get('switchyard_usage_metered_total') ?? [])], 'switchyard_usage_metered_total')[0]?.value).toBe(1);
      expect((byName.get('switchyard_ledger_balance') ?? []).some((sample) => sample.value !== 0)).toBe(true);
      return byName;
    }, 60_000);
  }, 240_000);

  afterAll(async () => {
    provider?.close();
    await stack?.stop();
  }, 60_000);

  it('every server describes itself through reflection in a way a strict descriptor registry accepts', async () => {
    for (const name of Object.keys(SERVED) as ServiceName[]) {
      const { services, files } = await reflectServer(stack.address[name]!);
      expect({ name, services: services.sort() }).toEqual({ name, services: [...SERVED[name], 'grpc.health.v1.Health'].sort() });
      expect(() => strictRegistry(files)).not.toThrow();
    }
  }, 60_000);

  it('intake takes a SubmitJob from a client built only from reflection', async () => {
    const registry = strictRegistry((await reflectServer(stack.address.intake!)).files);
    const response = (await callUnary(
      registry,
      stack.address.intake!,
      'switchyard.v1.JobService/SubmitJob',
      {
        idempotencyKey: 'reflection-1',
        spec: {
          kind: 'WORKLOAD_KIND_BATCH_INFERENCE',
          modelRef: 'llama-3.1-8b',
          gpuClass: 'a100-80g',
          gpuCount: 1,
          minVramGib: 40,
          estimatedDurationSeconds: 60,
        },
      },
      { authorization: `Bearer ${TENANTS.acme.apiKey}` },
    )) as { job: { id: string; state: string; idempotencyKey: string } };
    expect(response.job).toMatchObject({ idempotencyKey: 'reflection-1', state: 'JOB_STATE_SUBMITTED' });
  });

  // Not on a machine without Debian's python3-grpcio and python3-protobuf (CI installs them).
  withPython(
    "every server's reflection loads into protobuf's own descriptor pool, and intake takes a SubmitJob made from it (Python client)",
    () => {
      for (const name of Object.keys(SERVED) as ServiceName[]) {
        const args = [pythonClient, stack.address[name]!];
        if (name === 'intake') {
          const request = {
            idempotencyKey: 'python-1',
            spec: {
              kind: 'WORKLOAD_KIND_BATCH_INFERENCE',
              modelRef: 'llama-3.1-8b',
              gpuClass: 'a100-80g',
              gpuCount: 1,
              minVramGib: 40,
              estimatedDurationSeconds: 60,
            },
          };
          args.push('switchyard.v1.JobService/SubmitJob', JSON.stringify(request), `Bearer ${TENANTS.acme.apiKey}`);
        }
        const run = spawnSync(python!, args, { encoding: 'utf8' });
        expect({ name, stderr: run.stderr, status: run.status }).toEqual({ name, stderr: '', status: 0 });
        const result = JSON.parse(run.stdout) as {
          services: string[];
          files: string[];
          response?: { job: { idempotencyKey: string } };
          request_fields?: string[];
        };
        expect(result.services).toEqual([...SERVED[name], 'grpc.health.v1.Health'].sort());
        expect(result.files).toContain('grpc/health/v1/health.proto');
        if (name === 'intake') {
          expect(result.request_fields).toEqual(['spec', 'idempotency_key', 'accepted_rate_card_version']);
          expect(result.response?.job.idempotencyKey).toBe('python-1');
        }
      }
    },
    60_000,
  );

  it('exports every series the dashboard and the alert rules query (placement aside)', () => {
    expect(QUERIED_SERIES.length).toBeGreaterThan(15);
    const missing = QUERIED_SERIES.filter((name) => !PROMETHEUS_SERIES.has(name) && !isPlacementSeries(name) && !exported.has(name));
    expect(missing).toEqual([]);
  });

  it("exports placement's series too (queue depth, providers by status, GPU utilisation, providers lost)", () => {
    const missing = QUERIED_SERIES.filter(isPlacementSeries).filter((name) => !exported.has(name));
    expect(missing).toEqual([]);
  }, 60_000);

  it('labels jobs by state and tier as people say them, and times submit->classified and submit->placed', () => {
    expect(
      select(exported.get('switchyard_jobs') ?? [], 'switchyard_jobs', {
        switchyard_job_state: 'COMPLETED',
        switchyard_tier: 'REALTIME',
      })[0]?.value,
    ).toBe(1);
    expect(
      select(
        exported.get('switchyard_job_submit_to_classified_duration_count') ?? [],
        'switchyard_job_submit_to_classified_duration_count',
        { switchyard_tier: 'REALTIME' },
      )[0]?.value,
    ).toBeGreaterThanOrEqual(1);
    expect(
      select(exported.get('switchyard_job_submit_to_placed_duration_count') ?? [], 'switchyard_job_submit_to_placed_duration_count', {
        switchyard_tier: 'REALTIME',
      })[0]?.value,
    ).toBe(1);
    expect(
      select(exported.get('rpc_server_call_duration_count') ?? [], 'rpc_server_call_duration_count', {
        rpc_method: 'switchyard.v1.JobService/SubmitJob',
        rpc_status_code: 'OK',
      })[0]?.value,
    ).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('runs exactly the consumer groups and subscriptions the topic contracts document', () => {
    const documented = SUBSCRIPTIONS.flatMap((s) => s.topics.map((topic) => `${s.groupId} ${stack.topicPrefix}${topic}`)).sort();
    const running = [
      ...new Set(
        (exported.get('switchyard_consumer_lag') ?? []).map(
          (s) => `${s.labels.messaging_consumer_group_name} ${s.labels.messaging_destination_name}`,
        ),
      ),
    ].sort();
    expect(running).toEqual(documented);
  }, 60_000);

  it('writes every record with the documented key and a ce_dataschema naming its payload message', async () => {
    const checked: Partial<Record<TopicName, number>> = {};
    for (const topic of Object.keys(TOPICS) as TopicName[]) {
      const records: LoggedEvent[] = [];
      for await (const record of stack.log.read({ topic: `${stack.topicPrefix}${topic}` })) records.push(record);
      for (const { key, envelope } of records) {
        const type = envelope.type.replace(/^switchyard\.events\.v1\./, '');
        const member = (envelope.data as Record<string, Record<string, unknown>>)[type.charAt(0).toLowerCase() + type.slice(1)]!;
        expect({ type, key }).toEqual({ type, key: expectedKey(keyOf(topic, type), member) });
        expect({ type, dataschema: envelope.dataschema }).toEqual({ type, dataschema: dataschemaForEventType(envelope.type) });
        checked[topic] = (checked[topic] ?? 0) + 1;
      }
    }
    // The flow wrote job, usage, provider and ledger events.
    expect(Object.keys(checked).sort()).toEqual(['jobs', 'ledger', 'providers', 'usage']);
  }, 60_000);
});
