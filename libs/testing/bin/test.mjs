#!/usr/bin/env node
// The README's test command (`pnpm test`). Runs the unit tier, then provisions a real Kafka
// broker and PostgreSQL (see ../infra) and runs the integration and end-to-end tiers against
// them, then stops what it started. Usage: pnpm test [unit] [integration] [e2e] [-- jest args]
// The chaos tier (docs/reliability.md) is not part of the default run: `node libs/testing/bin/test.mjs
// chaos` runs it (CHAOS_JOBS, CHAOS_DURATION, CHAOS_BACKENDS, CHAOS_SEED size and repeat it); it
// provisions its own PostgreSQL and broker, since it restarts them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { infraDir, tail } from '../infra/kafka.mjs';
import { provision } from '../infra/provision.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const allTiers = ['unit', 'integration', 'e2e'];
const optionalTiers = ['chaos'];
const dashdash = process.argv.indexOf('--');
const args = dashdash === -1 ? process.argv.slice(2) : process.argv.slice(2, dashdash);
const jestArgs = dashdash === -1 ? [] : process.argv.slice(dashdash + 1);
const tiers = args.length ? args : allTiers;
for (const t of tiers) {
  if (!allTiers.includes(t) && !optionalTiers.includes(t)) {
    console.error(`unknown tier "${t}"; expected one of ${[...allTiers, ...optionalTiers].join(', ')}`);
    process.exit(2);
  }
}

function runJest(tier, env) {
  // One report per run: two runs in one checkout must not take each other's report for their own.
  const report = path.join(infraDir, `jest-${tier}-${process.pid}.json`);
  fs.mkdirSync(infraDir, { recursive: true });
  fs.rmSync(report, { force: true });
  const argv = [
    '--experimental-vm-modules',
    path.join(repoRoot, 'node_modules/jest/bin/jest.js'),
    '--selectProjects',
    tier,
    '--passWithNoTests',
    '--json',
    `--outputFile=${report}`,
    ...(process.env.CI ? ['--ci'] : []),
    ...jestArgs,
  ];
  console.error(`\n=== ${tier} tests ===`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, {
      cwd: repoRoot,
      stdio: 'inherit',
      env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' },
    });
    // Jest writes its report when the tests are done; one that then does not exit is held open by
    // something a test left running. Fail that tier within a minute instead of hanging the run.
    let hung = false;
    const watchdog = setInterval(() => {
      if (!fs.existsSync(report)) return;
      clearInterval(watchdog);
      const kill = setTimeout(() => {
        hung = true;
        console.error(`\n${tier} tests: Jest finished but did not exit within 60 s (a test left a handle open); stopping it`);
        child.kill('SIGKILL');
      }, 60_000);
      child.once('exit', () => clearTimeout(kill));
    }, 1000);
    child.on('exit', (code, signal) => {
      clearInterval(watchdog);
      let counts = { passed: 0, failed: 0, skipped: 0 };
      if (fs.existsSync(report)) {
        const r = JSON.parse(fs.readFileSync(report, 'utf8'));
        counts = { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
        if (!r.success && counts.failed === 0) counts.failed = r.numFailedTestSuites || 1;
      } else if (code !== 0) {
        counts.failed = 1;
      }
      if (hung) counts.failed = Math.max(counts.failed, 1);
      resolve({ ok: code === 0 && !signal && !hung, ...counts });
    });
  });
}

/**
 * The chaos run (tests/e2e/src/chaos): the built services as processes under faults, one scenario
 * per log backend; each scenario counts as one test. Needs `pnpm build` first.
 */
function runChaos() {
  const main = path.join(repoRoot, 'tests/e2e/dist/chaos/main.js');
  const outDir = process.env.CHAOS_OUT ?? path.join(infraDir, 'chaos');
  const latest = path.join(outDir, 'latest.json');
  console.error('\n=== chaos ===');
  if (!fs.existsSync(main)) {
    console.error(`${path.relative(repoRoot, main)} is missing: the chaos tier runs the built services (pnpm build)`);
    return Promise.resolve({ ok: false, passed: 0, failed: 1, skipped: 0 });
  }
  fs.rmSync(latest, { force: true });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main], {
      cwd: repoRoot,
      stdio: 'inherit',
      env: { ...process.env, CHAOS_OUT: outDir, NODE_NO_WARNINGS: '1' },
    });
    child.on('exit', (code, signal) => {
      const runs = fs.existsSync(latest) ? JSON.parse(fs.readFileSync(latest, 'utf8')) : [];
      const passed = runs.filter((r) => r.verdict.failures.length === 0).length;
      const failed = Math.max(runs.length - passed, code === 0 && !signal ? 0 : 1);
      resolve({ ok: code === 0 && !signal, passed, failed, skipped: 0 });
    });
  });
}

const results = [];
let infra;
const stopInfra = async () => {
  if (infra) await infra.stop();
  infra = undefined;
};
process.on('SIGINT', async () => {
  await stopInfra();
  process.exit(130);
});

try {
  if (tiers.includes('unit')) results.push(await runJest('unit', {}));
  const needsInfra = tiers.filter((t) => t !== 'unit' && t !== 'chaos');
  if (needsInfra.length) {
    infra = await provision((m) => console.error(m));
    console.error(`Kafka: ${infra.versions.kafka} at ${infra.env.KAFKA_BROKERS}`);
    console.error(`PostgreSQL: ${infra.versions.postgres}`);
    for (const tier of needsInfra) {
      const result = await runJest(tier, infra.env);
      results.push(result);
      if (!result.ok && infra.kafkaLog) console.error(`Kafka broker log kept at ${infra.kafkaLog}; its tail:\n${tail(infra.kafkaLog, 20)}`);
    }
  }
  if (tiers.includes('chaos')) {
    await stopInfra();
    results.push(await runChaos());
  }
} catch (err) {
  console.error(err instanceof Error ? err.stack : err);
  results.push({ ok: false, passed: 0, failed: 1, skipped: 0 });
} finally {
  await stopInfra();
}

const sum = (k) => results.reduce((n, r) => n + r[k], 0);
console.log(`${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
