#!/usr/bin/env node
// `pnpm start`: runs Switchyard on one machine with nothing but Node. Embedded PostgreSQL (data
// kept in .data/postgres, so a restart keeps state) unless DATABASE_URL is given; the PostgreSQL
// event log unless KAFKA_BROKERS is given; the five services as child processes. Prints the
// gRPC endpoints; Ctrl-C stops everything.
import { spawn } from 'node:child_process';
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
log(`event log backend: ${env.EVENT_LOG_BACKEND}${env.KAFKA_BROKERS ? ` (${env.KAFKA_BROKERS})` : ''}`);

for (const service of services) {
  const child = spawn(process.execPath, [path.join(root, 'services', service.name, 'dist', 'main.js')], {
    env: { ...env, GRPC_URL: service.address },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => process.stderr.write(`[${service.name}] ${line}\n`));
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${service.name} exited (${signal ?? code}); stopping everything`);
      void stopAll(1);
    }
  });
  children.set(service.name, child);
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

console.log('Switchyard is running. gRPC endpoints (health and server reflection on each):');
for (const s of services) console.log(`  ${s.name.padEnd(11)} ${s.address}`);
console.log('Press Ctrl-C to stop.');
