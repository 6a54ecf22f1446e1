// The whole system for end-to-end tests: each service a real process (its TypeScript source, as
// `pnpm --filter <service> dev` runs it) on a free port, sharing one database server (a schema
// each) and one event log under a topic prefix of its own, so stacks never see each other.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KafkaEventLog, PostgresEventLog, type EventLog } from '@switchyard/event-log';
import { startServiceProcess, type ServiceProcess } from '@switchyard/service-host/testing';
import { databaseUrl, kafkaBrokers, uniqueName } from '@switchyard/testing';
import pg from 'pg';

export type ServiceName = 'intake' | 'classifier' | 'placement' | 'metering' | 'payout';
export type Backend = 'kafka' | 'postgres';

export const TENANTS = {
  acme: { id: 'acme', plan: 'enterprise', apiKey: 'e2e-acme-key' },
  globex: { id: 'globex', plan: 'standard', apiKey: 'e2e-globex-key' },
} as const;
export const OPERATORS = {
  north: { operatorId: 'op-north', apiKey: 'e2e-op-north-key' },
  south: { operatorId: 'op-south', apiKey: 'e2e-op-south-key' },
  east: { operatorId: 'op-east', apiKey: 'e2e-op-east-key' },
} as const;
export const ADMIN_KEY = 'e2e-admin-key';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const servicesDir = fileURLToPath(new URL('../../../services/', import.meta.url));

export interface StackOptions {
  readonly backend: Backend;
  readonly services: readonly ServiceName[];
  /** Extra environment for every service (e.g. faster liveness for tests). */
  readonly env?: Record<string, string>;
  /** Extra environment per service. */
  readonly serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** How many placement processes to run (they share one schema: the concurrency case). */
  readonly placementInstances?: number;
}

export interface Stack {
  readonly backend: Backend;
  readonly topicPrefix: string;
  /** `host:port` of each running service; placement is the first instance. */
  readonly address: Partial<Record<ServiceName, string>>;
  readonly placementAddresses: readonly string[];
  /** Each running process's Prometheus endpoint, per service (placement: one per instance). */
  readonly metricsUrls: Partial<Record<ServiceName, string[]>>;
  readonly schemas: Record<ServiceName, string>;
  /** The log the services use, for reading (and, in tests, appending) events. */
  readonly log: EventLog;
  /** A pg client on the shared database, for assertions on a service's tables. */
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Stops one service's processes (to simulate a crash use the process list). */
  stopService(name: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const id = randomBytes(4).toString('hex');
  const topicPrefix = `${uniqueName('e2e')}.`;
  const schemas = Object.fromEntries(
    (['intake', 'classifier', 'placement', 'metering', 'payout'] as const).map((s) => [s, `e2e_${id}_${s}`]),
  ) as Record<ServiceName, string>;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-e2e-'));
  const tenantsFile = join(dir, 'tenants.json');
  writeFileSync(
    tenantsFile,
    JSON.stringify({ tenants: Object.values(TENANTS).map((t) => ({ id: t.id, plan: t.plan, apiKeySha256: [sha256(t.apiKey)] })) }),
  );
  const operatorsFile = join(dir, 'operators.json');
  writeFileSync(
    operatorsFile,
    JSON.stringify({ operators: Object.values(OPERATORS).map((o) => ({ operatorId: o.operatorId, apiKeySha256: [sha256(o.apiKey)] })) }),
  );
  const common: Record<string, string> = {
    DATABASE_URL: databaseUrl(),
    EVENT_LOG_BACKEND: options.backend,
    KAFKA_BROKERS: options.backend === 'kafka' ? kafkaBrokers().join(',') : '',
    SWITCHYARD_TOPIC_PREFIX: topicPrefix,
    SWITCHYARD_TENANTS_FILE: tenantsFile,
    OPERATOR_CREDENTIALS_FILE: operatorsFile,
    ADMIN_API_KEY_SHA256: sha256(ADMIN_KEY),
    ...options.env,
  };

  const processes: { name: ServiceName; process: ServiceProcess }[] = [];
  const metricsUrls: Partial<Record<ServiceName, string[]>> = {};
  const start = async (name: ServiceName): Promise<ServiceProcess> => {
    const started = await startServiceProcess({
      cwd: join(servicesDir, name),
      env: { ...common, DATABASE_SCHEMA: schemas[name], ...options.serviceEnv?.[name] },
      startTimeoutMs: 60_000,
    });
    processes.push({ name, process: started });
    if (started.metricsUrl) (metricsUrls[name] ??= []).push(started.metricsUrl);
    return started;
  };

  const pool = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  const log: EventLog =
    options.backend === 'kafka'
      ? new KafkaEventLog({ brokers: kafkaBrokers(), clientId: `e2e-${id}` })
      : new PostgresEventLog({ connectionString: databaseUrl() });
  const address: Partial<Record<ServiceName, string>> = {};
  const placementAddresses: string[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(processes.map((p) => p.process.stop(15_000)));
    await log.close();
    for (const schema of Object.values(schemas)) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // One at a time: on 2 cores, parallel TypeScript start-ups only slow each other down.
    for (const name of options.services) {
      if (name === 'placement') {
        for (let i = 0; i < (options.placementInstances ?? 1); i++) placementAddresses.push((await start(name)).address);
        address.placement = placementAddresses[0]!;
      } else {
        address[name] = (await start(name)).address;
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    backend: options.backend,
    topicPrefix,
    address,
    placementAddresses,
    metricsUrls,
    schemas,
    log,
    query: async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await pool.query<T>(sql, params)).rows,
    stopService: async (name) => {
      await Promise.all(processes.filter((p) => p.name === name).map((p) => p.process.stop(15_000)));
    },
    stop,
  };
}
