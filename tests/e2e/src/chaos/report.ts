// The chaos run's result: one JSON document (everything, for tooling) and one Markdown table row
// per scenario (scenario, jobs, faults injected, lost, duplicated, stuck), the format kept in
// docs/reliability.md.
import type { Checks } from './invariants.js';
import type { UnexpectedExit } from './processes.js';

export interface Fault {
  readonly at: string;
  /** Seconds since the workload started. */
  readonly t: number;
  readonly kind: 'kill' | 'postgres-restart' | 'kafka-restart';
  readonly target: string;
  /** How long until it answered again (ms). */
  readonly recoveredMs?: number;
  readonly error?: string;
}

export interface ChaosResult {
  readonly scenario: string;
  readonly backend: 'postgres' | 'kafka';
  readonly seed: number;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly jobs: { planned: number; acknowledged: number; unacknowledged: number };
  readonly faults: readonly Fault[];
  readonly unexpectedExits: readonly UnexpectedExit[];
  readonly submitErrors: Record<string, number>;
  readonly submitErrorSamples: Record<string, string>;
  readonly reask: { asked: number; differing: number; failed: number };
  readonly settle: { quiet: boolean; waitedSeconds: number };
  readonly checks: Checks;
  readonly verdict: { hardGuaranteesHeld: boolean; live: boolean; failures: string[] };
  readonly logDir: string;
}

export function verdictOf(checks: Checks, reaskDiffering: number): ChaosResult['verdict'] {
  const failures: string[] = [];
  if (checks.lost.length) failures.push(`${checks.lost.length} acknowledged job(s) lost`);
  if (checks.duplicatedJobs.length || reaskDiffering) failures.push(`${checks.duplicatedJobs.length + reaskDiffering} duplicated job(s)`);
  if (checks.overlappingPlacements.length) failures.push(`${checks.overlappingPlacements.length} run(s) on two providers at once`);
  if (checks.doubleMetered.length) failures.push(`${checks.doubleMetered.length} usage metered/posted twice`);
  if (checks.ledger.total !== '0' || checks.ledger.unbalancedPostings.length)
    failures.push(`ledger unbalanced (total ${checks.ledger.total}, ${checks.ledger.unbalancedPostings.length} posting(s))`);
  if (checks.ledger.balanceMismatches.length)
    failures.push(`${checks.ledger.balanceMismatches.length} balance(s) differ from their postings`);
  if (checks.replay.percent < 100) failures.push(`replay verify ${checks.replay.percent} %`);
  const hardGuaranteesHeld = failures.length === 0;
  if (checks.stuck.length) failures.push(`${checks.stuck.length} job(s) stuck`);
  if (checks.unpriced.length) failures.push(`${checks.unpriced.length} usage report(s) never priced`);
  if (checks.unposted.length) failures.push(`${checks.unposted.length} metered usage never posted`);
  const live = checks.stuck.length === 0 && checks.unpriced.length === 0 && checks.unposted.length === 0;
  return { hardGuaranteesHeld, live, failures };
}

export function faultSummary(faults: readonly Fault[]): string {
  const kills = faults.filter((f) => f.kind === 'kill');
  const byTarget = new Map<string, number>();
  for (const k of kills) byTarget.set(k.target, (byTarget.get(k.target) ?? 0) + 1);
  const parts = [`${kills.length} SIGKILL (${[...byTarget.entries()].map(([t, n]) => `${t} ${n}`).join(', ')})`];
  const pg = faults.filter((f) => f.kind === 'postgres-restart').length;
  const kafka = faults.filter((f) => f.kind === 'kafka-restart').length;
  if (pg) parts.push(`PostgreSQL restart ×${pg}`);
  if (kafka) parts.push(`Kafka broker restart ×${kafka}`);
  return parts.join('; ');
}

export const TABLE_HEADER = '| scenario | jobs | faults injected | lost | duplicated | stuck |\n| --- | --- | --- | --- | --- | --- |';

export function tableRow(r: ChaosResult): string {
  const c = r.checks;
  const duplicated = c.duplicatedJobs.length + r.reask.differing + c.overlappingPlacements.length + c.doubleMetered.length;
  const stuckStates = Object.entries(
    c.stuck.reduce<Record<string, number>>(
      (acc, s) => ((acc[s.state.replace('JOB_STATE_', '')] = (acc[s.state.replace('JOB_STATE_', '')] ?? 0) + 1), acc),
      {},
    ),
  )
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const stuck = c.stuck.length === 0 ? '0' : `${c.stuck.length} (${stuckStates})`;
  return `| ${r.scenario} (seed ${r.seed}, ${r.durationSeconds} s) | ${r.jobs.acknowledged} acknowledged of ${r.jobs.planned} | ${faultSummary(r.faults)} | ${c.lost.length} | ${duplicated} | ${stuck} |`;
}

export function markdown(r: ChaosResult): string {
  const c = r.checks;
  const lines = [
    `# Chaos run: ${r.scenario}`,
    '',
    TABLE_HEADER,
    tableRow(r),
    '',
    `Seed ${r.seed} (repeat with CHAOS_SEED=${r.seed}); started ${r.startedAt}; logs in ${r.logDir}.`,
    '',
    `- verdict: ${r.verdict.failures.length === 0 ? 'PASS' : `FAIL — ${r.verdict.failures.join('; ')}`} (hard guarantees ${r.verdict.hardGuaranteesHeld ? 'held' : 'VIOLATED'})`,
    `- jobs by state: ${Object.entries(c.states)
      .map(([s, n]) => `${s.replace('JOB_STATE_', '')} ${n}`)
      .join(', ')}; queued with a reason: ${c.queuedWithReason}`,
    `- run on two providers at once: ${c.overlappingPlacements.length}; usage metered twice: ${c.doubleMetered.length}; re-asked keys answering another job: ${r.reask.differing} of ${r.reask.asked}`,
    `- ledger: ${c.ledger.postings} postings, ${c.ledger.entries} entries over ${c.ledger.accounts} accounts, sum ${c.ledger.total}; unbalanced postings ${c.ledger.unbalancedPostings.length}; balances differing from their postings ${c.ledger.balanceMismatches.length}`,
    `- replay verify: ${c.replay.percent} % (classifications ${c.replay.classifications.join('/')}, placements ${c.replay.placements.join('/')}, failures ${c.replay.failures.join('/')})`,
    `- usage never priced: ${c.unpriced.length}; priced but never posted: ${c.unposted.length}`,
    `- quiet after the faults: ${r.settle.quiet ? 'yes' : 'no'} (waited ${r.settle.waitedSeconds} s)`,
    `- submit errors seen by clients (all retried with the same key): ${
      Object.entries(r.submitErrors)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none'
    }`,
    `- consumer lag at the check (records): ${Object.entries(c.consumerLag)
      .map(
        ([svc, topics]) =>
          `${svc} ${Object.entries(topics)
            .map(([t, n]) => `${t} ${n}`)
            .join('/')}`,
      )
      .join('; ')}`,
    `- processes that exited on their own: ${r.unexpectedExits.map((e) => `${e.process} (${e.signal ?? e.code}) at ${e.at}`).join(', ') || 'none'}`,
    '',
    '## Faults',
    ...r.faults.map(
      (f) =>
        `- t=${f.t}s ${f.kind} ${f.target}${f.recoveredMs === undefined ? '' : `, answering again after ${f.recoveredMs} ms`}${f.error ? ` — ${f.error}` : ''}`,
    ),
  ];
  if (c.stuck.length) {
    const byDiagnosis = new Map<string, number>();
    for (const s of c.stuck)
      byDiagnosis.set(
        `${s.state} / last event ${s.lastEvent}: ${s.diagnosis}`,
        (byDiagnosis.get(`${s.state} / last event ${s.lastEvent}: ${s.diagnosis}`) ?? 0) + 1,
      );
    lines.push(
      '',
      '## Stuck jobs',
      ...[...byDiagnosis.entries()].map(([d, n]) => `- ${n} × ${d}`),
      '',
      'First ten:',
      ...c.stuck
        .slice(0, 10)
        .map(
          (s) =>
            `- ${s.jobId} ${s.state}, attempt ${s.attempt}${s.providerId ? ` on ${s.providerId}` : ''}, last event ${s.lastEvent} ${s.sinceLastEventSeconds} s before the check`,
        ),
    );
  }
  const details = [
    ...c.lost.map((l) => `lost: ${l}`),
    ...c.duplicatedJobs,
    ...c.overlappingPlacements.map((v) => v.detail),
    ...c.doubleMetered.map((v) => v.detail),
    ...c.ledger.unbalancedPostings,
    ...c.ledger.balanceMismatches,
    ...c.replay.mismatches,
  ];
  if (details.length) lines.push('', '## Violations', ...details.slice(0, 50).map((d) => `- ${d}`));
  return `${lines.join('\n')}\n`;
}
