#!/usr/bin/env node
// `pnpm start`: runs Switchyard on one machine with nothing but Node. Embedded PostgreSQL (data
// kept in .data/postgres, so a restart keeps state) unless DATABASE_URL is given; the PostgreSQL
// event log unless KAFKA_BROKERS is given; the five services and a simulated provider fleet as
// child processes. Prints the gRPC endpoints and an example; Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { checkHealth } from '@switchyard/service-host';
import { startEmbeddedPostgres } from '../libs/testing/infra/postgres.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const basePort = Number(process.env.SWITCHYARD_BASE_PORT ?? 50051);
const host = process.env.SWITCHYARD_HOST ?? '127.0.0.1';
const services = ['intake', 'classifier', 'placement', 'metering', 'payout'].map((name, i) => ({
  name,
  address: `${host}:${basePort + i}`,
}));
const log = (msg) => process.stderr.write(`[switchyard] ${msg}\n`);

const children = new Map();
let postgres;
let stopping = false;

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  log('stopping');
  await Promise.all(
    [...children.values()].map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  if (postgres) await postgres.stop();
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

const env = { ...process.env };
if (!env.DATABASE_URL) {
  const port = Number(process.env.SWITCHYARD_PG_PORT ?? 54329);
  postgres = await startEmbeddedPostgres({ dataDir: path.join(root, '.data', 'postgres'), port, log });
  env.DATABASE_URL = postgres.url;
  log(`embedded PostgreSQL at ${postgres.url} (data in .data/postgres)`);
}
env.EVENT_LOG_BACKEND = env.KAFKA_BROKERS ? 'kafka' : 'postgres';
// Development credentials (deploy/dev/README.md) unless the environment names real ones.
env.SWITCHYARD_TENANTS_FILE ??= path.join(root, 'deploy', 'dev', 'tenants.json');
env.OPERATOR_CREDENTIALS_FILE ??= path.join(root, 'deploy', 'dev', 'operators.json');
// sha256("dev-admin-key"): metering's GetUsage for anyone, payout's CloseEpoch.
env.ADMIN_API_KEY_SHA256 ??= createHash('sha256').update('dev-admin-key').digest('hex');
log(`event log backend: ${env.EVENT_LOG_BACKEND}${env.KAFKA_BROKERS ? ` (${env.KAFKA_BROKERS})` : ''}`);

function run(name, script, extraEnv) {
  const child = spawn(process.execPath, [script], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => process.stderr.write(`[${name}] ${line}\n`));
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${name} exited (${signal ?? code}); stopping everything`);
      void stopAll(1);
    }
  });
  children.set(name, child);
}

for (const service of services) {
  run(service.name, path.join(root, 'services', service.name, 'dist', 'main.js'), { GRPC_URL: service.address });
}

async function waitUntilServing(address, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while ((await checkHealth(address, '', 500).catch(() => 'UNREACHABLE')) !== 'SERVING') {
    if (stopping) return;
    if (Date.now() > deadline) throw new Error(`${address} did not become SERVING within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

try {
  await Promise.all(services.map((s) => waitUntilServing(s.address, 60_000)));
} catch (error) {
  log(`a service did not become ready: ${error instanceof Error ? error.message : error}`);
  await stopAll(1);
}

const placement = services.find((s) => s.name === 'placement').address;
const intake = services.find((s) => s.name === 'intake').address;
if (process.env.FLEET_COUNT !== '0') {
  run('fleet', path.join(root, 'libs', 'provider-fleet', 'dist', 'main.js'), { PLACEMENT_ADDRESS: placement });
}

console.log('Switchyard is running. gRPC endpoints (health and server reflection on each):');
for (const s of services) console.log(`  ${s.name.padEnd(11)} ${s.address}`);
console.log(`A simulated fleet of ${process.env.FLEET_COUNT ?? 6} providers registers with placement (FLEET_COUNT=0 for none).`);
console.log('Submit a job (tenant "demo", key in deploy/dev/README.md):');
console.log(`  pnpm switchyard submit --endpoint ${intake} --api-key dev-tenant-demo-key --kind inference --model llama-3.1-8b --gpu-class a100-80g --gpus 1 --max-latency-ms 500 --duration 30`);
console.log('Press Ctrl-C to stop.');
