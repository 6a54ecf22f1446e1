// The switchyard CLI as a subprocess against a real log, on both backends: a 1,000-job workload
// made by the real deciders (with provider churn) is appended under a topic prefix of its own,
// then replay verify / what-if, timeline, explain and bad input are checked from the outside.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTierPolicyPath } from '@switchyard/classifier/policy';
import { defaultRateCardsPath } from '@switchyard/metering/pricing';
import { runSwitchyard, runSwitchyardOnTerminal, type CliRun } from './cli-process.js';
import { seedLog, type BackendName, type SeededLog } from './seeded-log.js';

const JOBS = 1000;

describe.each<BackendName>(['postgres', 'kafka'])('switchyard CLI on the %s log', (backend) => {
  let seeded: SeededLog;
  let dir: string;
  const cli = (...args: string[]): Promise<CliRun> => runSwitchyard(['--backend', backend, ...args], seeded.env);

  beforeAll(async () => {
    seeded = await seedLog(backend, JOBS);
    dir = await mkdtemp(join(tmpdir(), 'switchyard-cli-'));
    // A tier policy change: interactive inference only up to 500 ms (was 1000 ms).
    const shipped = await readFile(defaultTierPolicyPath, 'utf8');
    await writeFile(
      join(dir, 'tier-policy.yaml'),
      shipped.replace(/version: "[^"]+"/, 'version: "2026-11-25.1"').replace('max_latency_ms_lte: 1000', 'max_latency_ms_lte: 500'),
    );
    // A placement policy change: BATCH and STANDARD chase price much harder.
    await writeFile(
      join(dir, 'placement-policy.yaml'),
      [
        'version: placement-2026-11-25.1',
        'tiers:',
        '  TIER_BATCH: { weights: { latency: 0.0, reputation: 0.05, price: 0.9, operatorSpread: 0.05 } }',
        '  TIER_STANDARD: { weights: { latency: 0.1, reputation: 0.1, price: 0.7, operatorSpread: 0.1 } }',
        '',
      ].join('\n'),
    );
    // A rate card change: BATCH a100-80g from 1,600,000 to 2,000,000 per GPU-hour.
    // Only the version in effect for the seeded log (the later ones are announced, not yet in force).
    const shippedCards = await readFile(defaultRateCardsPath, 'utf8');
    const cards = shippedCards.includes('  - version: "2027-01-01"')
      ? shippedCards.slice(0, shippedCards.indexOf('  - version: "2027-01-01"'))
      : shippedCards;
    await writeFile(
      join(dir, 'rate-cards.yaml'),
      cards
        .replace('version: "2026-11-01"', 'version: "2026-11-25-whatif"')
        .replace('a100-80g: { per_gpu_hour: 1600000', 'a100-80g: { per_gpu_hour: 2000000'),
    );
  }, 300_000);

  afterAll(async () => {
    await seeded?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('generated a workload with provider churn', () => {
    const { stats } = seeded.workload;
    expect(stats.jobs).toBe(JOBS);
    expect(stats.lost).toBeGreaterThan(5);
    expect(stats.requeued).toBeGreaterThan(5);
    expect(stats.registered).toBeGreaterThan(12);
    expect(stats.queued).toBeGreaterThan(0);
    expect(seeded.workload.requeuedJobId).toBeDefined();
  });

  it('replay verify reproduces 100% of the recorded decisions', async () => {
    const run = await cli('--json', 'replay', 'verify', '--from', 'beginning', '--to', 'end');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      classifications: { total: number; reproduced: number };
      placements: { total: number; reproduced: number };
      mismatches: unknown[];
    };
    expect(report.classifications).toEqual({ total: JOBS, reproduced: JOBS });
    expect(report.placements.total).toBe(seeded.workload.stats.placed);
    expect(report.placements.reproduced).toBe(report.placements.total);
    expect(report.mismatches).toEqual([]);

    const text = await cli('replay', 'verify');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`classifications: ${JOBS}/${JOBS} reproduced (100.00%)`);
    expect(text.stdout).toMatch(/total: \d+\/\d+ decisions reproduced exactly \(100\.00%\)/);

    // At a terminal the read shows a progress bar with counts and ETA (and none above, in a pipe).
    const onTerminal = await runSwitchyardOnTerminal(['--backend', backend, 'replay', 'verify'], seeded.env);
    expect(onTerminal.code).toBe(0);
    expect(onTerminal.output).toMatch(/reading jobs \[[^\]]*\] \d+\/\d+ events \| \d+% \| ETA/);
    expect(onTerminal.output).toContain('decisions reproduced exactly (100.00%)');
  }, 300_000);

  it('replay what-if with changed weights and a tighter tier rule reports the changes, the same twice', async () => {
    const args = [
      'replay',
      'what-if',
      '--policy',
      join(dir, 'tier-policy.yaml'),
      '--placement-policy',
      join(dir, 'placement-policy.yaml'),
      '--from',
      '0',
    ];
    const first = await cli(...args);
    const second = await cli(...args);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    expect(second.stdout).toBe(first.stdout);
    expect(first.stdout).toMatch(/tier changes \(\d+\)/);
    expect(first.stdout).toMatch(/provider changes \(\d+\)/);

    const json = JSON.parse((await cli('--json', ...args)).stdout) as {
      tierChanges: { from: string; to: string; fromRule: string }[];
      providerChanges: unknown[];
      byTier: Record<string, { providerChanges: number }>;
    };
    expect(json.tierChanges.length).toBeGreaterThan(0);
    expect(json.tierChanges.every((c) => c.from === 'TIER_REALTIME' && c.fromRule === 'interactive-inference')).toBe(true);
    expect(json.providerChanges.length).toBeGreaterThan(0);
    expect(json.byTier.total!.providerChanges).toBe(json.providerChanges.length);
  }, 300_000);

  it('replay what-if with a new rate card prices each job in its tier under it', async () => {
    const run = await cli('--json', 'replay', 'what-if', '--rate-card', join(dir, 'rate-cards.yaml'));
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      rateCard: string;
      byTier: Record<string, { tenantPriceChanges: number; tenantPriceDelta: string }>;
    };
    expect(report.rateCard).toBe('2026-11-25-whatif');
    // Only BATCH a100-80g got dearer: every other tier's quotes are unchanged.
    expect(report.byTier.TIER_BATCH!.tenantPriceChanges).toBeGreaterThan(0);
    expect(BigInt(report.byTier.TIER_BATCH!.tenantPriceDelta)).toBeGreaterThan(0n);
    for (const tier of ['TIER_REALTIME', 'TIER_STANDARD', 'TIER_TRAINING']) expect(report.byTier[tier]!.tenantPriceChanges).toBe(0);

    const bad = await cli('replay', 'what-if', '--rate-card', join(dir, 'no-such-cards.yaml'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^switchyard: invalid rate card file .*no-such-cards\.yaml: \(file\): cannot read the file/);
  }, 300_000);

  it('timeline lists every event of a requeued job, in order, with the producing service', async () => {
    const jobId = seeded.workload.requeuedJobId!;
    const run = await cli('timeline', jobId);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const types = lines.map((l) => l.split(/\s+/)[2]);
    expect(types.slice(0, 3)).toEqual(['JobSubmitted', 'JobClassified', 'JobPlaced']);
    expect(types).toContain('ProviderLost');
    expect(types).toContain('JobRequeued');
    expect(lines[0]).toContain('/switchyard/intake');
    expect(lines[1]).toContain('/switchyard/classifier');
    expect(types.indexOf('JobRequeued')).toBeGreaterThan(types.indexOf('ProviderLost'));
  }, 300_000);

  it('explain gives the tier rule and reasons, candidates, rejections and what the runner-up lacked', async () => {
    const jobId = seeded.workload.contestedJobId!;
    const run = await cli('explain', jobId);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /Why this tier\n {2}(REALTIME|STANDARD|BATCH|TRAINING) by rule [\w.-]+ of tier policy 2026-11-24\.1\n {4}- /,
    );
    expect(run.stdout).toContain('placement policy placement-2026-12-locality');
    expect(run.stdout).toMatch(/rejections: /);
    expect(run.stdout).toMatch(/runner-up \S+ \(operator \S+\) scored \d\.\d{4} less/);
    const json = JSON.parse((await cli('--json', 'explain', jobId)).stdout) as {
      attempts: { kind: string; runnerUp: { lacked: unknown[] } | null }[];
    };
    expect(json.attempts[0]!.kind).toBe('placed');
    expect(json.attempts[0]!.runnerUp!.lacked.length).toBeGreaterThan(0);
  }, 300_000);

  it('providers list rebuilds the registry from the log, lost providers included', async () => {
    const run = await cli('--json', 'providers', 'list');
    expect(run.code).toBe(0);
    const rows = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { providerId: string; status: string; completions: number });
    const registered = new Set(seeded.workload.providers.filter((e) => e.type.endsWith('.ProviderRegistered')).map((e) => e.subject));
    expect(rows.map((r) => r.providerId).sort()).toEqual([...registered].sort());
    expect(rows.some((r) => r.status === 'LOST')).toBe(true);
    expect(rows.some((r) => r.status === 'ACTIVE')).toBe(true);
    expect(rows.reduce((sum, r) => sum + r.completions, 0)).toBeGreaterThan(0);
    const lost = await cli('--json', 'providers', 'list', '--status', 'lost');
    expect(
      lost.stdout
        .trim()
        .split('\n')
        .every((line) => (JSON.parse(line) as { status: string }).status === 'LOST'),
    ).toBe(true);
  }, 300_000);

  it('bad input gives one clear line and a non-zero exit, never a stack trace', async () => {
    const unknownJob = await cli('explain', 'job-does-not-exist');
    expect(unknownJob.code).toBe(3);
    expect(unknownJob.stderr).toBe(`switchyard: job job-does-not-exist not found in ${seeded.prefix}jobs\n`);

    const malformed = await cli('replay', 'verify', '--from', 'last tuesday');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/^switchyard: malformed --from "last tuesday": expected an RFC 3339 time/);

    const reversed = await cli('replay', 'verify', '--from', '2026-11-25T00:00:00Z', '--to', '2026-11-24T00:00:00Z');
    expect(reversed.code).toBe(2);

    const unreadable = await cli('replay', 'what-if', '--policy', join(dir, 'no-such-policy.yaml'));
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(/^switchyard: invalid tier policy .*no-such-policy\.yaml: \(file\): cannot read the file/);

    for (const run of [unknownJob, malformed, reversed, unreadable]) {
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stdout).toBe('');
    }
  }, 300_000);

  it('tail prints the decoded events of a topic, filtered, and follows new ones as they are appended', async () => {
    const first = await cli('tail', 'jobs', '--from-beginning', '--type', 'JobPlaced', '--limit', '5');
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.every((l) => / JobPlaced job-\d{5} provider=/.test(l))).toBe(true);

    // From the end: append a cancel request every second until the tail has printed one and exited.
    const live = cli('tail', 'jobs', '--key', 'job-tail-probe', '--limit', '1', '--timeout', '120', '--interval', '200');
    let done = false;
    void live.finally(() => (done = true));
    for (let n = 0; !done && n < 120; n++) {
      await seeded.log.append(`${seeded.prefix}jobs`, [
        {
          id: `tail-probe-${n}`,
          type: 'switchyard.events.v1.JobCancelRequested',
          source: '/switchyard/intake',
          subject: 'job-tail-probe',
          time: new Date().toISOString(),
          data: { jobCancelRequested: { jobId: 'job-tail-probe', reason: `probe ${n}` } },
        },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const run = await live;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\S+ p\d+@\d+ JobCancelRequested job-tail-probe reason=probe \d+\n$/);
    expect(run.stderr).toContain('from the end');
  }, 300_000);
});
