// A whole Switchyard on this machine for one benchmark backend: PostgreSQL (embedded unless
// DATABASE_URL is given), the event log (the PostgreSQL log, or a Kafka broker started from Maven
// jars unless KAFKA_BROKERS is given), the five services as child processes from their built
// dist/, and credential files for the tenants and operators the load and the fleet use.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { checkHealth } from '@switchyard/service-host';
import { startEmbeddedPostgres, type RunningPostgres } from '@switchyard/testing/infra/postgres';
import { startKafka, type RunningKafka } from '@switchyard/testing/infra/kafka';
import { sleep } from './stats.js';

export type Backend = 'postgres' | 'kafka';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVICES = ['intake', 'classifier', 'placement', 'metering', 'payout'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface BenchTenant {
  readonly id: string;
  readonly apiKey: string;
}

export interface BenchOperator {
  readonly operatorId: string;
  readonly apiKey: string;
}

export interface SystemOptions {
  readonly backend: Backend;
  /** Tenants to create; the first has a spending cap (high enough never to refuse) so the cap check runs. */
  readonly tenants: number;
  readonly operators: number;
  readonly basePort: number;
  /** Directory for CPU profiles of every service (`node --cpu-prof`), or none. */
  readonly profileDir?: string;
  readonly log: (message: string) => void;
  /** Extra environment for the services. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface RunningService {
  readonly name: ServiceName;
  readonly address: string;
  readonly child: ChildProcess;
}

export interface RunningSystem {
  readonly backend: Backend;
  readonly databaseUrl: string;
  readonly kafkaBrokers: readonly string[] | undefined;
  readonly topicPrefix: string;
  readonly tenants: readonly BenchTenant[];
  readonly operators: readonly BenchOperator[];
  readonly services: readonly RunningService[];
  address(name: ServiceName): string;
  /** Environment a process needs to reach the same log and database (the watcher, the seeder). */
  readonly env: Readonly<Record<string, string>>;
  /** Peak resident memory (VmHWM) of each service process since it started, in MiB. */
  peakRssMiB(): Record<ServiceName, number>;
  /** Stops the services, runs `between` (seeding history while nothing reads or writes), starts them again. */
  restartServices(between: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const { log } = options;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-bench-'));
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log(`stopping: ${String(error)}`));
    fs.rmSync(work, { recursive: true, force: true });
  };
  try {
    let postgres: RunningPostgres;
    if (process.env.DATABASE_URL) {
      postgres = { url: process.env.DATABASE_URL, embedded: false, stop: async () => undefined };
    } else {
      postgres = await startEmbeddedPostgres({ dataDir: undefined, log });
      stops.push(() => postgres.stop());
    }
    let kafka: RunningKafka | undefined;
    if (options.backend === 'kafka') {
      kafka = await startKafka(log);
      stops.push(() => kafka!.stop());
    }
    const tenants = Array.from({ length: options.tenants }, (_, i) => ({
      id: `bench-tenant-${i + 1}`,
      apiKey: `bench-tenant-${i + 1}-key`,
    }));
    const operators = Array.from({ length: options.operators }, (_, i) => ({
      operatorId: `bench-op-${i + 1}`,
      apiKey: `bench-op-${i + 1}-key`,
    }));
    const tenantsFile = path.join(work, 'tenants.json');
    fs.writeFileSync(
      tenantsFile,
      JSON.stringify({
        tenants: tenants.map((t, i) => ({
          id: t.id,
          plan: 'standard',
          ...(i === 0 ? { spendingCapBaseUnits: '900000000000000000' } : {}),
          apiKeySha256: [sha256(t.apiKey)],
        })),
      }),
    );
    const operatorsFile = path.join(work, 'operators.json');
    fs.writeFileSync(
      operatorsFile,
      JSON.stringify({ operators: operators.map((o) => ({ operatorId: o.operatorId, apiKeySha256: [sha256(o.apiKey)] })) }),
    );

    const topicPrefix = `bench${Date.now().toString(36)}.`;
    const env: Record<string, string> = {
      DATABASE_URL: postgres.url,
      EVENT_LOG_BACKEND: options.backend,
      SWITCHYARD_TOPIC_PREFIX: topicPrefix,
      ...(kafka ? { KAFKA_BROKERS: kafka.brokers.join(',') } : {}),
    };
    const serviceEnv: Record<string, string> = {
      ...env,
      SWITCHYARD_TENANTS_FILE: tenantsFile,
      OPERATOR_CREDENTIALS_FILE: operatorsFile,
      ADMIN_API_KEY_SHA256: sha256('bench-admin-key'),
      LOG_LEVEL: 'warn',
      ...options.env,
    };
    const services: RunningService[] = [];
    let peaks: Partial<Record<ServiceName, number>> = {};
    let stopping = false;
    const spawnServices = async (): Promise<void> => {
      stopping = false;
      peaks = {};
      services.length = 0;
      for (const [i, name] of SERVICES.entries()) {
        const address = `127.0.0.1:${options.basePort + i}`;
        const profile = options.profileDir
          ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, `--cpu-prof-name=${name}.${options.backend}.cpuprofile`]
          : [];
        const child = spawn(process.execPath, [...profile, path.join(repoRoot, 'services', name, 'dist', 'main.js')], {
          env: { ...process.env, ...serviceEnv, GRPC_URL: address },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        // The last lines a service printed, shown when it exits unexpectedly (a start that fails says why).
        const tail: string[] = [];
        for (const stream of [child.stdout!, child.stderr!]) {
          readline.createInterface({ input: stream }).on('line', (line) => {
            tail.push(line.slice(0, 400));
            if (tail.length > 15) tail.shift();
            if (/"level":"(error|warn|fatal)"|^\S+Error|Unhandled/.test(line)) log(`[${name}] ${line.slice(0, 400)}`);
          });
        }
        child.on('exit', (code, signal) => {
          if (!stopping) log(`${name} exited unexpectedly (${signal ?? code}); its last output:\n  ${tail.join('\n  ')}`);
        });
        services.push({ name, address, child });
      }
      await Promise.all(services.map((s) => waitUntilServing(s.address, s.child, 180_000)));
    };
    const stopServices = async (): Promise<void> => {
      stopping = true;
      await Promise.all(services.map((s) => stopChild(s.child)));
    };
    stops.push(stopServices);
    await spawnServices();
    const sampler = setInterval(() => {
      for (const s of services) peaks[s.name] = Math.max(peaks[s.name] ?? 0, peakRss(s.child.pid));
    }, 1000);
    stops.push(async () => clearInterval(sampler));
    log(`system up on the ${options.backend} log: ${services.map((s) => `${s.name} ${s.address}`).join(', ')}`);
    return {
      backend: options.backend,
      databaseUrl: postgres.url,
      kafkaBrokers: kafka?.brokers,
      topicPrefix,
      tenants,
      operators,
      services,
      env,
      address: (name) => services.find((s) => s.name === name)!.address,
      peakRssMiB: () => {
        for (const s of services) peaks[s.name] = Math.max(peaks[s.name] ?? 0, peakRss(s.child.pid));
        return { ...peaks } as Record<ServiceName, number>;
      },
      restartServices: async (between) => {
        await stopServices();
        await between();
        await spawnServices();
        log(`services restarted on the ${options.backend} log`);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** VmHWM of a process in MiB (0 once it is gone). */
export function peakRss(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    return Math.round(kib / 1024);
  } catch {
    return 0;
  }
}

async function waitUntilServing(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await checkHealth(address, '', 500).catch(() => 'UNREACHABLE')) !== 'SERVING') {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`service at ${address} exited before it served`);
    if (Date.now() > deadline) throw new Error(`${address} did not become SERVING within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** SIGTERM (a clean exit writes a CPU profile), SIGKILL after 20 s. */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
