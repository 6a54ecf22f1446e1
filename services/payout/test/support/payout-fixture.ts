// A real payout service process on the real broker and database, isolated per test file: its own
// schema, topic prefix and consumer group; credentials files in a temporary directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { api, events, topicNames } from '@switchyard/contracts';
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

export const serviceDir = fileURLToPath(new URL('../..', import.meta.url));

export const KEYS = { admin: 'admin-secret-key', acme: 'acme-secret-key', globex: 'globex-secret-key', opNorth: 'op-north-secret-key' };

export interface PayoutFixture {
  readonly schema: string;
  readonly topics: ReturnType<typeof topicNames>;
  readonly env: Record<string, string>;
  readonly log: EventLog;
  readonly db: pg.Pool;
  service: ServiceProcess | undefined;
  client: InstanceType<typeof api.PayoutServiceClient> | undefined;
  start(): Promise<void>;
  close(): Promise<void>;
}

import type { Backend } from '@switchyard/testing';
export type { Backend };

export async function payoutFixture(options: { acmeCapBaseUnits?: string; backend?: Backend } = {}): Promise<PayoutFixture> {
  const backend = options.backend ?? 'kafka';
  // The PostgreSQL event log keeps its tables in a schema of its own, as a shared log database would.
  const logSchema: TestSchema | undefined = backend === 'postgres' ? await createTestSchema('plog') : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'payout-test-'));
  const tenantsFile = join(dir, 'tenants.json');
  writeFileSync(
    tenantsFile,
    JSON.stringify(
      tenantsDocument([
        {
          id: 'acme',
          plan: 'enterprise',
          apiKey: KEYS.acme,
          ...(options.acmeCapBaseUnits ? { spendingCapBaseUnits: options.acmeCapBaseUnits } : {}),
        },
        { id: 'globex', plan: 'team', apiKey: KEYS.globex },
      ]),
    ),
  );
  const operatorsFile = join(dir, 'operators.json');
  writeFileSync(operatorsFile, JSON.stringify(operatorsDocument([{ operatorId: 'op-north', apiKey: KEYS.opNorth }])));
  const schema = uniqueName('payout').replace(/-/g, '_');
  const prefix = `${uniqueName('pt')}.`;
  const env = {
    DATABASE_URL: databaseUrl(),
    DATABASE_SCHEMA: schema,
    EVENT_LOG_BACKEND: backend,
    ...(logSchema ? { EVENT_LOG_DATABASE_URL: logSchema.url } : { KAFKA_BROKERS: kafkaBrokers().join(',') }),
    SWITCHYARD_TOPIC_PREFIX: prefix,
    PAYOUT_CONSUMER_GROUP: uniqueName('payout'),
    ADMIN_API_KEY_SHA256: sha256Hex(KEYS.admin),
    SWITCHYARD_TENANTS_FILE: tenantsFile,
    OPERATOR_CREDENTIALS_FILE: operatorsFile,
  };
  const log: EventLog = logSchema
    ? new PostgresEventLog({ connectionString: logSchema.url, consumer: { pollIntervalMs: 200 } })
    : new KafkaEventLog({ brokers: kafkaBrokers(), clientId: uniqueName('payout-test') });
  const db = new pg.Pool({ connectionString: databaseUrl(), options: `-c search_path=${schema}`, max: 3 });
  const fixture: PayoutFixture = {
    schema,
    topics: topicNames(prefix),
    env,
    log,
    db,
    service: undefined,
    client: undefined,
    async start() {
      fixture.service = await startServiceProcess({ cwd: serviceDir, env, startTimeoutMs: 60_000 });
      fixture.client?.close();
      fixture.client = new api.PayoutServiceClient(fixture.service.address, credentials.createInsecure());
    },
    async close() {
      fixture.client?.close();
      await fixture.service?.stop(10_000).catch(() => undefined);
      const { jobs, usage, ledger } = fixture.topics;
      await log.admin.deleteTopics([jobs, usage, ledger, `${jobs}-dlt`, `${usage}-dlt`]).catch(() => undefined);
      await log.close();
      await logSchema?.drop();
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await db.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

export function bearer(key: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${key}`);
  return metadata;
}

export { eventually } from '@switchyard/testing';

export { readAll } from '@switchyard/testing';

const timestamp = (at: Date): api.Timestamp => ({
  seconds: Math.floor(at.getTime() / 1000).toString(),
  nanos: (at.getTime() % 1000) * 1_000_000,
});

export interface UsageSpec {
  usageId: string;
  jobId: string;
  tenantId: string;
  providerId: string;
  earning: bigint;
  fee: bigint;
  meteredAt: Date;
  /** 1 unless given. */
  attempt?: number;
}

export function usageMetered(spec: UsageSpec, id: string = randomUUID()): EventEnvelope {
  const message: events.UsageMetered = {
    usageId: spec.usageId,
    jobId: spec.jobId,
    attempt: spec.attempt ?? 1,
    reportId: `report-${spec.usageId}`,
    tenantId: spec.tenantId,
    providerId: spec.providerId,
    tier: api.Tier.TIER_STANDARD,
    gpuClass: 'a100-80g',
    rateCardVersion: 'rc-2026-11',
    amounts: { gpuMilliseconds: '60000', tokens: '0', bytes: '0', fetchedBytes: '0' },
    tenantChargeBaseUnits: (spec.earning + spec.fee).toString(),
    providerEarningBaseUnits: spec.earning.toString(),
    protocolFeeBaseUnits: spec.fee.toString(),
    meteredAt: timestamp(spec.meteredAt),
    waived: false,
    fault: events.Fault.FAULT_UNSPECIFIED,
  };
  return envelope(
    id,
    'UsageMetered',
    spec.jobId,
    spec.meteredAt,
    events.UsageEvent.toJSON({ usageReported: undefined, usageMetered: message }),
  );
}

export function jobEvent(jobId: string, at: Date, event: Partial<events.JobEvent>, id: string = randomUUID()): EventEnvelope {
  const member = Object.keys(event)[0]!;
  return envelope(id, member.charAt(0).toUpperCase() + member.slice(1), jobId, at, events.JobEvent.toJSON(event as events.JobEvent));
}

function envelope(id: string, name: string, subject: string, at: Date, data: unknown): EventEnvelope {
  return { id, type: `switchyard.events.v1.${name}`, source: '/switchyard/test', subject, time: at.toISOString(), data: data as JsonValue };
}

export { timestamp };

/** The PayoutService methods as promises, with a credential. */
export function payoutApi(client: InstanceType<typeof api.PayoutServiceClient>) {
  const unary =
    <Req, Res>(method: (request: Req, metadata: Metadata, callback: (error: ServiceError | null, response: Res) => void) => unknown) =>
    (request: Req, key: string): Promise<Res> =>
      new Promise((resolve, reject) =>
        method.call(client, request, bearer(key), (error, response) => (error ? reject(error) : resolve(response))),
      );
  return {
    getBalance: unary<api.GetBalanceRequest, api.GetBalanceResponse>(client.getBalance),
    listStatements: unary<api.ListStatementsRequest, api.ListStatementsResponse>(client.listStatements),
    closeEpoch: unary<api.CloseEpochRequest, api.CloseEpochResponse>(client.closeEpoch),
  };
}

/** The service as a bare child process, for tests that SIGKILL it (startServiceProcess only stops politely). */
export async function spawnPayout(
  env: Record<string, string>,
): Promise<{ address: string; child: ChildProcess; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [...DEV_RUNNER_ARGS, 'src/main.ts'], {
    cwd: serviceDir,
    env: { ...process.env, GRPC_URL: '127.0.0.1:0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('payout did not start within 60 s')), 60_000);
    void exited.then((code) => reject(new Error(`payout exited early with code ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /listening on (\S+)$/.exec(logMessage(line));
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return { address, child, exited };
}

function logMessage(line: string): string {
  try {
    return String((JSON.parse(line) as { msg?: unknown }).msg);
  } catch {
    return '';
  }
}
