// A metering service process on its own schema and topics, the log it reads, and a gRPC client.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { api, events, TOPICS, topicNames } from '@switchyard/contracts';
import { KafkaEventLog, PostgresEventLog, type EventEnvelope, type EventLog, type JsonValue } from '@switchyard/event-log';
import { DEV_RUNNER_ARGS, startServiceProcess, type ServiceProcess } from '@switchyard/service-host/testing';
import {
  createTestSchema,
  databaseUrl,
  kafkaBrokers,
  operatorsDocument,
  sha256Hex,
  tenantsDocument,
  uniqueName,
  type TestSchema,
} from '@switchyard/testing';
import pg from 'pg';

import type { Backend } from '@switchyard/testing';
export type { Backend };

const serviceDir = fileURLToPath(new URL('../..', import.meta.url));

export const KEYS = { acme: 'acme-key', globex: 'globex-key', north: 'north-key', south: 'south-key', admin: 'admin-key' } as const;

/** Two versions: prices change on 2026-06-01; 1 token = 10^6 base units. */
export const RATE_CARDS_YAML = `
versions:
  - version: v2026-01
    effective_from: "2026-01-01T00:00:00Z"
    protocol_fee_bps: 500
    prices:
      REALTIME:
        h100-80g: { per_gpu_hour: 4500000, per_1k_tokens: 300, per_gib: 20000, minimum_charge: 1000 }
      BATCH:
        l4: { per_gpu_hour: 500000, per_1k_tokens: 30, per_gib: 5000, minimum_charge: 100 }
  - version: v2026-06
    effective_from: "2026-06-01T00:00:00Z"
    protocol_fee_bps: 300
    prices:
      REALTIME:
        h100-80g: { per_gpu_hour: 3900000, per_1k_tokens: 250, per_gib: 20000, per_gb_fetched: 7000, minimum_charge: 1000 }
      BATCH:
        l4: { per_gpu_hour: 450000, per_1k_tokens: 25, per_gib: 5000, minimum_charge: 100 }
`;

/** Schema, topics, log and credential files for one metering instance, before any process runs. */
export interface MeteringEnvironment {
  readonly env: Record<string, string>;
  readonly log: EventLog;
  readonly topics: { jobs: string; usage: string };
  readonly schema: string;
  readonly db: pg.Client;
  close(): Promise<void>;
}

export interface MeteringHarness extends MeteringEnvironment {
  readonly service: ServiceProcess;
  getUsage(
    key: string | undefined,
    request: Partial<api.GetUsageRequest>,
    metadata?: Record<string, string>,
  ): Promise<api.GetUsageResponse>;
}

export async function prepareMetering(backend: Backend): Promise<MeteringEnvironment> {
  const dir = await mkdtemp(join(tmpdir(), 'metering-test-'));
  const rateCards = join(dir, 'rate-cards.yaml');
  const tenants = join(dir, 'tenants.json');
  const operators = join(dir, 'operators.json');
  await writeFile(rateCards, RATE_CARDS_YAML);
  await writeFile(
    tenants,
    JSON.stringify(
      tenantsDocument([
        { id: 'acme', plan: 'enterprise', apiKey: KEYS.acme },
        { id: 'globex', plan: 'team', apiKey: KEYS.globex },
      ]),
    ),
  );
  await writeFile(
    operators,
    JSON.stringify(
      operatorsDocument([
        { operatorId: 'op-north', apiKey: KEYS.north },
        { operatorId: 'op-south', apiKey: KEYS.south },
      ]),
    ),
  );
  const schema = `metering_${randomBytes(6).toString('hex')}`;
  const prefix = `${uniqueName('mt')}.`;
  const names = topicNames(prefix);
  const topics = { jobs: names.jobs, usage: names.usage };
  let logSchema: TestSchema | undefined;
  let log: EventLog;
  if (backend === 'kafka') {
    log = new KafkaEventLog({ brokers: kafkaBrokers(), clientId: uniqueName('metering-test') });
  } else {
    logSchema = await createTestSchema('mlog');
    log = new PostgresEventLog({ connectionString: logSchema.url, consumer: { pollIntervalMs: 200 } });
  }
  await log.admin.createTopics([
    { topic: topics.jobs, partitions: TOPICS.jobs.partitions },
    { topic: topics.usage, partitions: TOPICS.usage.partitions },
  ]);
  const db = new pg.Client({ connectionString: databaseUrl(), options: `-c search_path=${schema}` });
  await db.connect();
  const env = {
    DATABASE_URL: databaseUrl(),
    DATABASE_SCHEMA: schema,
    EVENT_LOG_BACKEND: backend,
    ...(logSchema ? { EVENT_LOG_DATABASE_URL: logSchema.url } : {}),
    SWITCHYARD_TOPIC_PREFIX: prefix,
    METERING_CONSUMER_GROUP: uniqueName('metering'),
    RATE_CARDS_FILE: rateCards,
    SWITCHYARD_TENANTS_FILE: tenants,
    OPERATOR_CREDENTIALS_FILE: operators,
    ADMIN_API_KEY_SHA256: sha256Hex(KEYS.admin),
  };
  return {
    env,
    log,
    topics,
    schema,
    db,
    async close() {
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await db.end();
      await log.admin.deleteTopics([topics.jobs, topics.usage, `${topics.jobs}-dlt`, `${topics.usage}-dlt`]).catch(() => undefined);
      await log.close();
      await logSchema?.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function startMetering(backend: Backend): Promise<MeteringHarness> {
  const environment = await prepareMetering(backend);
  const service = await startServiceProcess({ cwd: serviceDir, startTimeoutMs: 40_000, env: environment.env });
  const client = new api.UsageServiceClient(service.address, credentials.createInsecure());
  return {
    ...environment,
    service,
    getUsage(key, request, extra = {}) {
      const metadata = new Metadata();
      if (key !== undefined) metadata.set('authorization', `Bearer ${key}`);
      for (const [name, value] of Object.entries(extra)) metadata.set(name, value);
      return new Promise((resolve, reject) =>
        client.getUsage(api.GetUsageRequest.fromPartial(request), metadata, (error: ServiceError | null, response: api.GetUsageResponse) =>
          error ? reject(error) : resolve(response),
        ),
      );
    },
    async close() {
      client.close();
      await service.stop(10_000).catch(() => undefined);
      await environment.close();
    },
  };
}

/** A metering process that can be killed without warning (SIGKILL), as a crash would. */
export async function spawnMetering(env: Record<string, string>): Promise<{ kill(): Promise<void>; stop(): Promise<number | null> }> {
  const child = spawn(process.execPath, [...DEV_RUNNER_ARGS, 'src/main.ts'], {
    cwd: serviceDir,
    env: { ...process.env, GRPC_URL: '127.0.0.1:0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('metering did not start within 40 s')), 40_000);
    void exited.then((code) => reject(new Error(`metering exited early with code ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (/listening on \S+/.test(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

export const ts = (iso: string): api.Timestamp => {
  const ms = Date.parse(iso);
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
};

type OneOf<E> = { [K in keyof E]-?: { [P in K]: NonNullable<E[K]> } }[keyof E];

export function jobEnvelope(event: OneOf<events.JobEvent>, time: string, id: string = randomUUID()): EventEnvelope {
  const [member, payload] = Object.entries(event)[0] as [string, { jobId: string }];
  return envelopeOf(member, payload.jobId, events.JobEvent.toJSON(event as events.JobEvent), time, id);
}

export function usageEnvelope(event: OneOf<events.UsageEvent>, time: string, id: string = randomUUID()): EventEnvelope {
  const [member, payload] = Object.entries(event)[0] as [string, { jobId: string }];
  return envelopeOf(member, payload.jobId, events.UsageEvent.toJSON(event as events.UsageEvent), time, id);
}

function envelopeOf(member: string, subject: string, data: unknown, time: string, id: string): EventEnvelope {
  const type = `switchyard.events.v1.${member.charAt(0).toUpperCase()}${member.slice(1)}`;
  return { id, type, source: '/switchyard/test', subject, time, data: data as JsonValue };
}

/** The job's setup events: submitted by `tenantId` for `gpuClass`, classified into `tier`. */
export function submitted(jobId: string, tenantId: string, gpuClass: string, at = '2026-02-01T00:00:00Z'): EventEnvelope {
  return jobEnvelope(
    {
      jobSubmitted: events.JobSubmitted.fromPartial({
        jobId,
        tenantId,
        tenantPlan: 'enterprise',
        spec: { kind: api.WorkloadKind.WORKLOAD_KIND_INFERENCE, gpuClass, gpuCount: 1, estimatedDurationSeconds: 60 },
        submittedAt: ts(at),
      }),
    },
    at,
  );
}

export function classified(jobId: string, tier: api.Tier, at = '2026-02-01T00:00:01Z'): EventEnvelope {
  return jobEnvelope({ jobClassified: events.JobClassified.fromPartial({ jobId, tier, policyVersion: 'test', classifiedAt: ts(at) }) }, at);
}

export function placed(jobId: string, providerId: string, operatorId: string, at = '2026-02-01T00:00:02Z'): EventEnvelope {
  return jobEnvelope({ jobPlaced: events.JobPlaced.fromPartial({ jobId, providerId, operatorId, attempt: 1 }) }, at);
}

export function reported(
  reportId: string,
  jobId: string,
  reportedAt: string,
  amounts: { gpuMilliseconds: string; tokens?: string; bytes?: string; fetchedBytes?: string },
  options: { providerId?: string; attempt?: number; eventId?: string; failed?: boolean; fault?: events.Fault } = {},
): EventEnvelope {
  return usageEnvelope(
    {
      usageReported: {
        reportId,
        jobId,
        attempt: options.attempt ?? 1,
        providerId: options.providerId ?? 'prov-north-1',
        amounts: { tokens: '0', bytes: '0', fetchedBytes: '0', ...amounts },
        reportedAt: ts(reportedAt),
        failed: options.failed ?? false,
        fault: options.fault ?? events.Fault.FAULT_UNSPECIFIED,
      },
    },
    reportedAt,
    options.eventId,
  );
}

/** Every UsageMetered on the usage topic so far. */
export async function meteredEvents(log: EventLog, topic: string): Promise<{ envelope: EventEnvelope; metered: events.UsageMetered }[]> {
  const found: { envelope: EventEnvelope; metered: events.UsageMetered }[] = [];
  for await (const logged of log.read({ topic })) {
    if (logged.envelope.type !== 'switchyard.events.v1.UsageMetered') continue;
    const metered = events.UsageEvent.fromJSON(logged.envelope.data).usageMetered;
    if (metered) found.push({ envelope: logged.envelope, metered });
  }
  return found;
}

export { eventually } from '@switchyard/testing';
