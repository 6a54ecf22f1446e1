// The growth table: each scenario rerun with history seeded, beside its empty-history figures.
import type { Report } from '../report.js';
import { ms, rate, ratio } from '../stats.js';
import type { ScenarioResult } from '../pipeline/run-scenario.js';
import type { SeedFigures } from './seed-history.js';

/** History figure ÷ empty-history figure (NaN when either is missing or zero). */
export function growthRatio(withHistory: number, empty: number): number {
  return Number.isFinite(withHistory) && Number.isFinite(empty) && empty > 0 ? withHistory / empty : NaN;
}

export function growthTable(
  report: Report,
  empty: readonly ScenarioResult[],
  grown: readonly ScenarioResult[],
  seeds: readonly SeedFigures[],
): void {
  const seedNote = seeds
    .map(
      (s) =>
        `${s.backend}: ${s.jobs.toLocaleString('en-US')} of ${s.requested.toLocaleString('en-US')} jobs seeded in ${s.seconds.toFixed(0)} s` +
        (s.limitedBy ? ` (stopped by ${s.limitedBy})` : '') +
        `; rows per job: ${Object.entries(s.rowsPerJob)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}` +
        (s.logSeeded ? '' : '; the log itself not seeded (Kafka: projections only)') +
        (s.notCopied.length > 0 ? `; not copied: ${s.notCopied.join(', ')}` : ''),
    )
    .join('. ');
  report.tables.push({
    title: 'Growth: the same scenarios with history already in the log and the projections',
    note: `${seedNote}. Ratios are history ÷ empty history (target: throughput ≥ 0.90×, p99 ≤ 1.10×).`,
    columns: [
      'log',
      'history',
      'tier',
      'tenants',
      'offered/s',
      'placed/s empty → history',
      'ratio',
      'submit→placed p99 ms empty → history',
      'ratio',
      'SubmitJob p99 ms empty → history',
      'ratio',
    ],
    rows: grown.map((g) => {
      const e = empty.find((r) => r.backend === g.backend && r.tier === g.tier && r.tenants === g.tenants && r.rate === g.rate);
      return [
        g.backend,
        g.history,
        g.tier,
        String(g.tenants),
        rate(g.rate),
        `${e ? rate(e.placedPerSecond) : '—'} → ${rate(g.placedPerSecond)}`,
        ratio(growthRatio(g.placedPerSecond, e?.placedPerSecond ?? NaN)),
        `${e ? ms(e.submitToPlaced.p99) : '—'} → ${ms(g.submitToPlaced.p99)}`,
        ratio(growthRatio(g.submitToPlaced.p99, e?.submitToPlaced.p99 ?? NaN)),
        `${e ? ms(e.submit.p99) : '—'} → ${ms(g.submit.p99)}`,
        ratio(growthRatio(g.submit.p99, e?.submit.p99 ?? NaN)),
      ];
    }),
  });
}
