#!/usr/bin/env node
// The chaos tier (`node libs/testing/bin/test.mjs chaos`, docs/reliability.md). Configuration by
// environment: CHAOS_BACKENDS (postgres,kafka), CHAOS_JOBS (300), CHAOS_DURATION (seconds of
// faults, 60), CHAOS_SETTLE (longest wait for quiet afterwards, 240), CHAOS_SEED (random, printed),
// CHAOS_KILL_EVERY_MS (3000-6000), CHAOS_OUT (.infra/chaos). Exits 1 when a guarantee or the
// liveness check failed on any backend.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdown, TABLE_HEADER, tableRow, type ChaosResult } from './report.js';
import { runChaos } from './run-chaos.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const env = process.env;
const log = (message: string) => process.stderr.write(`[chaos] ${message}\n`);

function int(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    log(`${name}=${raw} is not a whole number`);
    process.exit(2);
  }
  return value;
}

const backends = (env.CHAOS_BACKENDS ?? 'postgres,kafka')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
for (const b of backends) {
  if (b !== 'postgres' && b !== 'kafka') {
    log(`CHAOS_BACKENDS: unknown backend "${b}" (postgres, kafka)`);
    process.exit(2);
  }
}
const [killMin, killMax] = (env.CHAOS_KILL_EVERY_MS ?? '3000-6000').split('-').map(Number) as [number, number];
const seed = env.CHAOS_SEED ? int('CHAOS_SEED', 0) : Math.floor(Math.random() * 2 ** 31);
const outDir = resolve(env.CHAOS_OUT ?? join(repoRoot, '.infra', 'chaos'));
mkdirSync(outDir, { recursive: true });
log(`seed ${seed}`);
// Interrupted (Ctrl-C, a CI timeout): exit, so the exit hooks kill every process the run started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the run`);
    process.exit(130);
  });
}

const results: ChaosResult[] = [];
let crashed = false;
for (const backend of backends as ('postgres' | 'kafka')[]) {
  try {
    const result = await runChaos({
      backend,
      jobs: int('CHAOS_JOBS', 300),
      durationSeconds: int('CHAOS_DURATION', 60),
      settleSeconds: int('CHAOS_SETTLE', 240),
      seed,
      killEveryMs: [killMin || 3000, killMax || killMin || 6000],
      repoRoot,
      outDir,
      log,
    });
    results.push(result);
    process.stderr.write(`\n${markdown(result)}\n`);
  } catch (error) {
    crashed = true;
    log(`the ${backend} run did not complete: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
}
const table = [TABLE_HEADER, ...results.map(tableRow)].join('\n');
writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(outDir, 'latest.md'), `${table}\n\n${results.map(markdown).join('\n')}`);
console.log(table);
for (const r of results)
  console.log(
    `${r.scenario}: ${r.verdict.failures.length === 0 ? 'PASS' : `FAIL — ${r.verdict.failures.join('; ')}`}${r.verdict.hardGuaranteesHeld ? '' : ' (HARD GUARANTEE VIOLATED)'}`,
  );
console.log(`results: ${join(outDir, 'latest.json')}, ${join(outDir, 'latest.md')}`);
process.exit(crashed || results.some((r) => r.verdict.failures.length > 0) ? 1 : 0);
