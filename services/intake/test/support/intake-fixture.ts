// An intake service for one test file: its own database schemas, topics, consumer group and
// tenants file, served in-process on a real socket; typed grpc-js clients per tenant; a view of
// the jobs topic for appending events as the classifier and placement would.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { api, events } from '@switchyard/contracts';
import {
  KafkaEventLog,
  PostgresEventLog,
  type EventEnvelope,
  type EventLog,
  type JsonValue,
  type LoggedEvent,
} from '@switchyard/event-log';
import { databaseUrl as sharedDatabaseUrl, eventually, kafkaBrokers, uniqueName } from '@switchyard/testing';
import pg from 'pg';
import { withSearchPath, type IntakeConfig } from '../../src/config.js';
import { startIntake, type RunningIntake, type StartIntakeOptions } from '../../src/intake.js';
import { sha256Hex } from '@switchyard/access';

import type { Backend } from '@switchyard/testing';
export type { Backend };

export const TENANTS = {
  acme: { id: 'acme', plan: 'enterprise', key: `sk_acme_${randomBytes(16).toString('hex')}` },
  globex: { id: 'globex', plan: 'startup', key: `sk_globex_${randomBytes(16).toString('hex')}` },
  /** The only tenant with a spending cap: 2 tokens per epoch. */
  frugal: { id: 'frugal', plan: 'startup', key: `sk_frugal_${randomBytes(16).toString('hex')}`, spendingCapBaseUnits: '2000000' },
} as const;

export interface IntakeFixture {
  readonly intake: RunningIntake;
  readonly backend: Backend;
  readonly jobsTopic: string;
  readonly topicPrefix: string;
  /** Schema of the PostgreSQL event log's tables (unused on Kafka). */
  readonly logSchema: string;
  /** The log as other services see it (appends and reads go through the same backend). */
  readonly log: EventLog;
  readonly db: pg.Pool;
  /** A client whose calls carry the tenant's API key as `authorization: Bearer <key>`. */
  client(tenant?: keyof typeof TENANTS): api.JobServiceClient;
  /** A client that sends no credentials. */
  anonymousClient(): api.JobServiceClient;
  /** Resolves once intake's outbox is empty, i.e. everything it committed is in the log. */
  outboxDrained(): Promise<void>;
  jobEvents(): Promise<LoggedEvent[]>;
  /** Appends a job event as another service would. */
  append(event: events.JobEvent, at?: Date): Promise<EventEnvelope>;
  /** Appends a usage-topic event as metering would (record key: the job id). */
  appendUsage(event: events.UsageEvent, at?: Date): Promise<EventEnvelope>;
  /** Appends a ledger-topic event as payout would (record key: `subject`, e.g. the posting id). */
  appendLedger(event: events.LedgerEvent, subject: string, at?: Date): Promise<EventEnvelope>;
  close(): Promise<void>;
}

/**
 * Starts intake with a fresh schema. With `sharingLogOf`, it reads and writes that fixture's
 * log (same topics, same PostgreSQL log schema) under its own schema and consumer group, and
 * leaves the log in place when it closes. With `options.clock`, JobService reads the time of a
 * call from it instead of the system clock.
 */
export async function startIntakeFixture(
  backend: Backend,
  sharingLogOf?: IntakeFixture,
  overrides: Partial<IntakeConfig> = {},
  options: Pick<StartIntakeOptions, 'clock'> = {},
): Promise<IntakeFixture> {
  // `overrides.databaseUrl`: a server of the test's own (an outage test stops and restarts it).
  const databaseUrl = (): string => overrides.databaseUrl ?? sharedDatabaseUrl();
  // `overrides.eventLog`: brokers of the test's own (an outage test kills and restarts them).
  const brokers = (): string[] => (overrides.eventLog?.backend === 'kafka' ? [...overrides.eventLog.brokers] : kafkaBrokers());
  const suffix = randomBytes(5).toString('hex');
  const schema = `intake_test_${suffix}`;
  const logSchema = sharingLogOf?.logSchema ?? `intake_log_${suffix}`;
  if (!sharingLogOf) {
    const admin = new pg.Client({ connectionString: databaseUrl() });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${logSchema}"`);
    await admin.end();
  }
  const tmp = await mkdtemp(join(tmpdir(), 'intake-test-'));
  const tenantsFile = join(tmp, 'tenants.json');
  const document = {
    tenants: Object.values(TENANTS).map((t) => ({
      id: t.id,
      plan: t.plan,
      ...('spendingCapBaseUnits' in t ? { spendingCapBaseUnits: t.spendingCapBaseUnits } : {}),
      apiKeySha256: [sha256Hex(t.key)],
    })),
  };
  await writeFile(tenantsFile, JSON.stringify(document));
  const logUrl = withSearchPath(databaseUrl(), logSchema);
  const prefix = sharingLogOf?.topicPrefix ?? `${uniqueName('intake')}.`;
  const config: IntakeConfig = {
    grpcUrl: '127.0.0.1:0',
    databaseUrl: databaseUrl(),
    databaseSchema: schema,
    eventLog: backend === 'kafka' ? { backend, brokers: brokers() } : { backend, databaseUrl: logUrl },
    topicPrefix: prefix,
    consumerGroup: uniqueName('intake'),
    tenantsFile,
    watchPollIntervalMs: 250,
    watchSettlementWaitMs: 1_000,
    rateCardsFile: undefined,
    submissionLimits: { batchSize: 500, maxWaiting: 4_000 },
    ...overrides,
  };
  const intake = await startIntake(config, { ...options, handleSignals: false });
  const jobsTopic = `${prefix}jobs`;
  const log: EventLog =
    backend === 'kafka'
      ? new KafkaEventLog({ brokers: brokers(), clientId: uniqueName('intake-test') })
      : new PostgresEventLog({ connectionString: logUrl, consumer: { pollIntervalMs: 200 } });
  const db = new pg.Pool({ connectionString: withSearchPath(databaseUrl(), schema), max: 2 });
  // An idle connection the server closes (a restart) must not crash the test process.
  db.on('error', () => undefined);
  const clients: api.JobServiceClient[] = [];

  const appendTo = async (topic: string, member: string, subject: string, data: JsonValue, at: Date): Promise<EventEnvelope> => {
    const envelope: EventEnvelope = {
      id: `${member}-${randomBytes(8).toString('hex')}`,
      type: `switchyard.events.v1.${member.charAt(0).toUpperCase()}${member.slice(1)}`,
      source: '/switchyard/test',
      subject,
      time: at.toISOString(),
      data,
    };
    await log.append(topic, [envelope]);
    return envelope;
  };

  return {
    intake,
    backend,
    jobsTopic,
    topicPrefix: prefix,
    logSchema,
    log,
    db,
    client(tenant = 'acme') {
      const client = new api.JobServiceClient(intake.address, credentials.createInsecure());
      clients.push(client);
      return withApiKey(client, TENANTS[tenant].key);
    },
    anonymousClient() {
      const client = new api.JobServiceClient(intake.address, credentials.createInsecure());
      clients.push(client);
      return client;
    },
    async outboxDrained() {
      await eventually(async () => {
        const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM event_outbox');
        if (rows[0]!.n !== '0') throw new Error(`${rows[0]!.n} events still in the outbox`);
      });
    },
    async jobEvents() {
      const all: LoggedEvent[] = [];
      for await (const event of log.read({ topic: jobsTopic })) all.push(event);
      return all;
    },
    async append(event, at = new Date()) {
      const [member, payload] = Object.entries(event).find(([, value]) => value !== undefined)! as [string, { jobId: string }];
      const envelope: EventEnvelope = {
        id: `${member}-${randomBytes(8).toString('hex')}`,
        type: `switchyard.events.v1.${member.charAt(0).toUpperCase()}${member.slice(1)}`,
        source: '/switchyard/test',
        subject: payload.jobId,
        time: at.toISOString(),
        data: events.JobEvent.toJSON(event) as JsonValue,
      };
      await log.append(jobsTopic, [envelope]);
      return envelope;
    },
    async appendUsage(event, at = new Date()) {
      const [member, payload] = Object.entries(event).find(([, value]) => value !== undefined)! as [string, { jobId: string }];
      return appendTo(`${prefix}usage`, member, payload.jobId, events.UsageEvent.toJSON(event) as JsonValue, at);
    },
    async appendLedger(event, subject, at = new Date()) {
      const [member] = Object.entries(event).find(([, value]) => value !== undefined)!;
      return appendTo(`${prefix}ledger`, member, subject, events.LedgerEvent.toJSON(event) as JsonValue, at);
    },
    async close() {
      for (const client of clients) client.close();
      await intake.close();
      if (backend === 'kafka' && !sharingLogOf)
        await log.admin
          .deleteTopics(['jobs', 'usage', 'ledger'].flatMap((t) => [`${prefix}${t}`, `${prefix}${t}-dlt`]))
          .catch(() => undefined);
      await log.close();
      await db.end();
      const cleanup = new pg.Client({ connectionString: databaseUrl() });
      await cleanup.connect();
      await cleanup.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      if (!sharingLogOf) await cleanup.query(`DROP SCHEMA IF EXISTS "${logSchema}" CASCADE`);
      await cleanup.end();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

const RPC_METHODS: ReadonlySet<string | symbol> = new Set(['submitJob', 'getJob', 'listJobs', 'watchJob', 'cancelJob', 'quoteJob']);

/** A client whose every call carries `authorization: Bearer <key>`. */
function withApiKey(client: api.JobServiceClient, key: string): api.JobServiceClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || !RPC_METHODS.has(property)) return value;
      return (...args: unknown[]) => {
        const metadata = new Metadata();
        metadata.set('authorization', `Bearer ${key}`);
        // (request, callback) or (request) for streams: insert metadata after the request.
        return (value as (...a: unknown[]) => unknown).call(target, args[0], metadata, ...args.slice(1));
      };
    },
  });
}

interface UnaryRpcs {
  submitJob: [api.SubmitJobRequest, api.SubmitJobResponse];
  getJob: [api.GetJobRequest, api.GetJobResponse];
  listJobs: [api.ListJobsRequest, api.ListJobsResponse];
  cancelJob: [api.CancelJobRequest, api.CancelJobResponse];
  quoteJob: [api.QuoteJobRequest, api.QuoteJobResponse];
}

type UnaryMethod<Req, Res> = (request: Req, callback: (error: ServiceError | null, response: Res) => void) => unknown;

/** Calls a unary RPC and resolves with its response or rejects with the ServiceError. */
export function call<M extends keyof UnaryRpcs>(
  client: api.JobServiceClient,
  method: M,
  request: UnaryRpcs[M][0],
): Promise<UnaryRpcs[M][1]> {
  const rpc = (client[method] as unknown as UnaryMethod<UnaryRpcs[M][0], UnaryRpcs[M][1]>).bind(client);
  return new Promise((resolve, reject) => rpc(request, (error, response) => (error ? reject(error) : resolve(response))));
}

/** The ServiceError a unary RPC fails with; fails the test if it succeeds. */
export async function callError<M extends keyof UnaryRpcs>(
  client: api.JobServiceClient,
  method: M,
  request: UnaryRpcs[M][0],
): Promise<ServiceError> {
  try {
    await call(client, method, request);
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error(`${method} succeeded`);
}

export function validSpec(overrides: Partial<api.JobSpec> = {}): api.JobSpec {
  return api.JobSpec.fromPartial({
    kind: api.WorkloadKind.WORKLOAD_KIND_INFERENCE,
    modelRef: 'meta-llama/Llama-3.1-8B-Instruct@main',
    gpuClass: 'h100-80g',
    gpuCount: 1,
    minVramGib: 40,
    maxLatencyMs: 500,
    allowedRegions: ['eu-west'],
    dataResidency: 'EU',
    maxPriceBaseUnits: '9007199254740993123',
    estimatedDurationSeconds: 30,
    ...overrides,
  });
}

export { eventually };
