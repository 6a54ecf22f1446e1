#!/usr/bin/env node
// pnpm infra:up   starts Kafka and PostgreSQL in a detached host process and prints
//                 KAFKA_BROKERS=... and DATABASE_URL=... lines (source them into your shell).
//                 `pnpm infra:up --brokers 3` starts a three-node KRaft cluster (replication
//                 factor 3, min ISR 2) instead of one broker.
// pnpm infra:down stops them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { infraDir, removeStaleBrokerDirs } from '../infra/kafka.mjs';
import { provision } from '../infra/provision.mjs';

const stateFile = path.join(infraDir, 'state.json');
const hostLog = path.join(infraDir, 'host.log');
const self = fileURLToPath(import.meta.url);

const readState = () => (fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : undefined);
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function printState(state) {
  for (const [k, v] of Object.entries(state.env)) console.log(`${k}=${v}`);
  console.error(`# ${state.versions.kafka}; ${state.versions.postgres}`);
}

/** `--brokers N` (or `--brokers=N`): Kafka nodes to start; default 1. */
function brokerCount(argv) {
  const index = argv.findIndex((a) => a === '--brokers' || a.startsWith('--brokers='));
  if (index < 0) return 1;
  const raw = argv[index].includes('=') ? argv[index].split('=')[1] : argv[index + 1];
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1 || count > 9) {
    console.error(`--brokers wants a whole number from 1 to 9, not "${raw}"`);
    process.exit(2);
  }
  return count;
}

async function up() {
  const brokers = brokerCount(process.argv.slice(3));
  const existing = readState();
  if (existing && alive(existing.pid)) {
    if ((existing.brokers ?? 1) !== brokers)
      console.error(`# infra is already running with ${existing.brokers ?? 1} Kafka broker(s); \`pnpm infra:down\` first to change that`);
    return printState(existing);
  }
  fs.mkdirSync(infraDir, { recursive: true });
  fs.rmSync(stateFile, { force: true });
  const out = fs.openSync(hostLog, 'w');
  const host = spawn(process.execPath, [self, 'host', '--brokers', String(brokers)], {
    detached: true,
    stdio: ['ignore', out, out],
    env: process.env,
  });
  host.unref();
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const state = readState();
    if (state) return printState(state);
    if (!alive(host.pid)) break;
    await sleep(250);
  }
  console.error(`infra:up failed; see ${hostLog}:\n${fs.readFileSync(hostLog, 'utf8')}`);
  process.exitCode = 1;
}

async function host() {
  const brokers = brokerCount(process.argv.slice(3));
  const infra = await provision((m) => console.error(m), { brokers });
  const stop = async () => {
    await infra.stop();
    fs.rmSync(stateFile, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  fs.writeFileSync(
    stateFile,
    JSON.stringify(
      { pid: process.pid, brokers, env: infra.env, versions: infra.versions, kafkaLog: infra.kafkaLog, kafkaPids: infra.kafkaPids },
      null,
      2,
    ),
  );
  setInterval(() => {}, 1 << 30);
}

/** What a host killed outright left behind: its broker JVM and the broker's folder. */
function removeLeftovers(state) {
  for (const pid of state.kafkaPids ?? []) if (alive(pid)) process.kill(pid, 'SIGKILL');
  removeStaleBrokerDirs(state.pid);
}

async function down() {
  const state = readState();
  if (!state || !alive(state.pid)) {
    if (state) removeLeftovers(state);
    fs.rmSync(stateFile, { force: true });
    console.error('infra is not running');
    return;
  }
  process.kill(state.pid, 'SIGTERM');
  for (let i = 0; i < 120 && alive(state.pid); i++) await sleep(250);
  if (alive(state.pid)) {
    console.error(`infra host ${state.pid} did not stop; killing it`);
    process.kill(state.pid, 'SIGKILL');
    for (let i = 0; i < 40 && alive(state.pid); i++) await sleep(250);
  }
  removeLeftovers(state);
  fs.rmSync(stateFile, { force: true });
  console.error('infra stopped');
}

const commands = { up, down, host };
const command = commands[process.argv[2] ?? ''];
if (!command) {
  console.error('usage: infra.mjs up [--brokers N]|down');
  process.exit(2);
}
await command();
