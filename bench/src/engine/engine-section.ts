// The engine section of the report: per-decision cost at growing fleet sizes, and one cycle.
import type { BenchOptions } from '../args.js';
import type { Report } from '../report.js';
import { ms, rate } from '../stats.js';
import { measureCycle, measureDecisions, type CycleFigures, type EngineFigures } from './engine-bench.js';

export function runEngine(options: BenchOptions, report: Report, log: (m: string) => void): void {
  const sizes = options.smoke ? [100, 1_000] : [100, 1_000, 10_000, 100_000];
  const decisions = options.smoke ? 2_000 : 20_000;
  // Warm the JIT on a small fleet first, so the first size measured is not the compiler's.
  measureDecisions(500, 2_000);
  const single: EngineFigures[] = [];
  for (const providers of sizes) {
    const figures = measureDecisions(providers, decisions);
    single.push(figures);
    log(
      `engine: ${providers} providers: ${rate(figures.decisionsPerSecond)} decisions/s, p50 ${ms(figures.perDecision.p50)} ms, p99 ${ms(figures.perDecision.p99)} ms, ${figures.examinedPerDecision.toFixed(1)} examined`,
    );
  }
  // The locality term: every job reads a 50 GB dataset held by providers / 500 of the fleet.
  const withInputs: EngineFigures[] = [];
  for (const providers of options.smoke ? [1_000] : [1_000, 10_000]) {
    const figures = measureDecisions(providers, decisions, 'inputs');
    withInputs.push(figures);
    log(
      `engine (jobs with inputs): ${providers} providers: ${rate(figures.decisionsPerSecond)} decisions/s, p50 ${ms(figures.perDecision.p50)} ms, p99 ${ms(figures.perDecision.p99)} ms, ${figures.examinedPerDecision.toFixed(1)} examined`,
    );
  }
  // Gangs that may span one operator's providers in a region: the walk examines the whole class.
  const gangs: EngineFigures[] = [];
  for (const providers of options.smoke ? [1_000] : [1_000, 10_000]) {
    const figures = measureDecisions(providers, options.smoke ? 500 : 5_000, 'gang');
    gangs.push(figures);
    log(
      `engine (16-GPU gangs over providers): ${providers} providers: ${rate(figures.decisionsPerSecond)} decisions/s, p50 ${ms(figures.perDecision.p50)} ms, p99 ${ms(figures.perDecision.p99)} ms, ${figures.examinedPerDecision.toFixed(1)} examined`,
    );
  }
  const cycles: CycleFigures[] = [];
  for (const [providers, jobs] of options.smoke
    ? [[1_000, 5_000]]
    : [
        [10_000, 50_000],
        [10_000, 100_000],
      ]) {
    const cycle = measureCycle(providers!, jobs!);
    cycles.push(cycle);
    log(
      `engine: one cycle placed ${cycle.placed} of ${cycle.jobs} jobs on ${cycle.providers} providers in ${cycle.cycleMs.toFixed(0)} ms (${rate(cycle.placedPerSecond)} jobs/s)`,
    );
  }
  report.sections.engine = { single, withInputs, gangs, cycles };
  report.tables.push({
    title: 'Placement engine alone (in-memory state and deciders, one process)',
    note:
      'One decision at a time: submit, classify, decide with the candidate index, apply; jobs complete so capacity never runs out. ' +
      'The walk visits providers best static score first and stops once no unseen provider can make the recorded list: ' +
      'O(examined × log n) per decision, with examined independent of the fleet size when capacity is spread.',
    columns: ['providers', 'decisions', 'decisions/s', 'p50 ms', 'p99 ms', 'max ms', 'providers examined per decision'],
    rows: single.map((f) => [
      rate(f.providers),
      rate(f.decisions),
      rate(f.decisionsPerSecond),
      ms(f.perDecision.p50),
      ms(f.perDecision.p99),
      ms(f.perDecision.max),
      f.examinedPerDecision.toFixed(1),
    ]),
  });
  report.tables.push({
    title: 'Placement engine: the locality term (every job reads a 50 GB dataset; each dataset held by 1 provider in 500)',
    note: "Holders of the job's inputs are examined first (the digest index), then the walk, whose bound adds the best locality terms a non-holder could get (the class's fastest ingress and cheapest transfer price).",
    columns: ['providers', 'decisions', 'decisions/s', 'p50 ms', 'p99 ms', 'max ms', 'providers examined per decision'],
    rows: withInputs.map((f) => [
      rate(f.providers),
      rate(f.decisions),
      rate(f.decisionsPerSecond),
      ms(f.perDecision.p50),
      ms(f.perDecision.p99),
      ms(f.perDecision.max),
      f.examinedPerDecision.toFixed(1),
    ]),
  });
  report.tables.push({
    title: 'Placement engine: gangs split over providers (16 GPUs of one class from one operator in one region; providers have 8)',
    note: 'Such a job is decided over whole domains: every provider of the class is examined (no early stop), O(providers of the class) per decision; ordinary jobs are unaffected.',
    columns: ['providers', 'decisions', 'decisions/s', 'p50 ms', 'p99 ms', 'max ms', 'providers examined per decision'],
    rows: gangs.map((f) => [
      rate(f.providers),
      rate(f.decisions),
      rate(f.decisionsPerSecond),
      ms(f.perDecision.p50),
      ms(f.perDecision.p99),
      ms(f.perDecision.max),
      f.examinedPerDecision.toFixed(1),
    ]),
  });
  report.tables.push({
    title: 'Placement engine: one scheduling cycle (a burst classified at once, placed in one pass)',
    columns: ['providers', 'jobs waiting', 'placed', 'cycle ms', 'placed jobs/s'],
    rows: cycles.map((c) => [rate(c.providers), rate(c.jobs), rate(c.placed), ms(c.cycleMs), rate(c.placedPerSecond)]),
  });
}
