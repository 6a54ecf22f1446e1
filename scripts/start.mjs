#!/usr/bin/env node
// `pnpm start`: runs Switchyard on one machine with nothing but Node. Embedded PostgreSQL (data
// kept in .data/postgres, so a restart keeps state) unless DATABASE_URL is given; the PostgreSQL
// event log unless KAFKA_BROKERS is given; the five services and a simulated provider fleet as
// child processes. Prints the gRPC endpoints, the metrics endpoints and an example; Ctrl-C stops
// everything, in order (fleet, services, then PostgreSQL), and returns only once all have exited.
//
// Two processes: this one in the terminal's foreground, and a supervisor in a process group of
// its own that owns every child. Ctrl-C reaches only the first, which asks the supervisor to stop
// and waits for it, so no service loses its database halfway through its shutdown. A second
// Ctrl-C stops what is left at once. The supervisor also stops when this process disappears.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg) => process.stderr.write(`[switchyard] ${msg}\n`);

if (process.env.SWITCHYARD_SUPERVISOR !== '1') {
  const supervisor = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, SWITCHYARD_SUPERVISOR: '1' },
  });
  let interrupts = 0;
  const forward = () => {
    interrupts += 1;
    if (interrupts === 2) log('stopping now (interrupted again)');
    supervisor.connected && supervisor.send(interrupts === 1 ? 'stop' : 'stop-now');
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  supervisor.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await supervise();
}

async function supervise() {
  const { checkHealth } = await import('@switchyard/service-host');
  const { startEmbeddedPostgres } = await import('../libs/testing/infra/postgres.mjs');
  const basePort = Number(process.env.SWITCHYARD_BASE_PORT ?? 50051);
  const host = process.env.SWITCHYARD_HOST ?? '127.0.0.1';
  const services = ['intake', 'classifier', 'placement', 'metering', 'payout'].map((name, i) => ({
    name,
    address: `${host}:${basePort + i}`,
    // Prometheus endpoints beside the gRPC ports: 50151.. by default.
    metrics: `${host}:${basePort + 100 + i}`,
  }));
  const children = new Map();
  let postgres;
  let stopping;

  const exited = (child) => child.exitCode !== null || child.signalCode !== null;
  const waitForExit = (child) => (exited(child) ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve)));

  async function stopChild(name, timeoutMs) {
    const child = children.get(name);
    if (!child || exited(child)) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      log(`${name} still running ${timeoutMs / 1000} s after SIGTERM; killing it`);
      child.kill('SIGKILL');
    }, timeoutMs);
    await waitForExit(child);
    clearTimeout(timer);
  }

  function stopAll(code) {
    stopping ??= (async () => {
      log('stopping');
      await stopChild('fleet', 10_000);
      await Promise.all(services.map((s) => stopChild(s.name, 15_000)));
      if (postgres) await postgres.stop().catch((error) => log(`PostgreSQL did not stop cleanly: ${error.message}`));
      log('stopped');
      process.exit(code);
    })();
    return stopping;
  }
  function stopNow() {
    for (const child of children.values()) if (!exited(child)) child.kill('SIGKILL');
  }
  process.on('message', (message) => (message === 'stop-now' ? stopNow() : void stopAll(0)));
  // The terminal side is gone (closed, killed): nobody will ask, so stop on our own.
  process.on('disconnect', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  process.on('SIGINT', () => void stopAll(0));
  process.on('exit', stopNow);

  const env = { ...process.env };
  delete env.SWITCHYARD_SUPERVISOR;
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
    run(service.name, path.join(root, 'services', service.name, 'dist', 'main.js'), {
      GRPC_URL: service.address,
      METRICS_ADDRESS: service.metrics,
    });
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
  if (stopping) return;

  const placement = services.find((s) => s.name === 'placement').address;
  const intake = services.find((s) => s.name === 'intake').address;
  if (process.env.FLEET_COUNT !== '0') {
    run('fleet', path.join(root, 'apps', 'provider-fleet', 'dist', 'main.js'), { PLACEMENT_ADDRESS: placement });
  }

  console.log('Switchyard is running. gRPC endpoints (health and server reflection on each) and Prometheus metrics:');
  for (const s of services) console.log(`  ${s.name.padEnd(11)} ${s.address.padEnd(17)} http://${s.metrics}/metrics`);
  console.log(
    `A simulated fleet of ${process.env.FLEET_COUNT ?? 6} providers registers with placement (FLEET_COUNT=0 for none), and 2 more of op-north in eu-west.`,
  );
  console.log('Submit a job (tenant "demo", key in deploy/dev/README.md):');
  console.log(
    `  pnpm switchyard submit --endpoint ${intake} --api-key dev-tenant-demo-key --kind inference --model llama-3.1-8b --gpu-class a100-80g --gpus 1 --max-latency-ms 500 --duration 30`,
  );
  console.log('A pipeline step that waits for that job and prefers the provider holding its 50 GB output:');
  console.log(
    `  pnpm switchyard submit --endpoint ${intake} --api-key dev-tenant-demo-key --kind pipeline-step --model etl --gpu-class a100-80g --gpus 1 --duration 30 --depends-on <job id>:50000000000`,
  );
  console.log(
    "A training gang of 16 a100-80g, more than any one provider has, split over one operator's providers in one region (op-north's in eu-west):",
  );
  console.log(
    `  pnpm switchyard submit --endpoint ${intake} --api-key dev-tenant-demo-key --kind training --model llama-3.1-8b --gpu-class a100-80g --gpus 16 --gang operator-region --duration 600`,
  );
  console.log('Dashboards and alerts for these endpoints: deploy/observability/.');
  console.log('Press Ctrl-C to stop.');
}
