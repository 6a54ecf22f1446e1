// The pipeline section: for each backend, one system with a large fleet, then the scenarios in
// turn (REALTIME and BATCH, one tenant and 50, rising rates), then peak memory per service.
import type { EventEnvelope } from '@switchyard/event-log';
import type { BenchOptions } from '../args.js';
import type { Report } from '../report.js';
import { ms, rate } from '../stats.js';
import { startSystem, type Backend, type RunningSystem } from '../system.js';
import { startBenchFleet } from './fleet.js';
import { watchPlacements } from './placed-watcher.js';
import { runScenario, type ScenarioResult, type ScenarioSpec } from './run-scenario.js';

export interface PipelinePlan {
  readonly providers: number;
  readonly scenarios: readonly ScenarioSpec[];
}

export function pipelinePlan(options: BenchOptions): PipelinePlan {
  const durationMs = options.durationMs ?? (options.smoke ? 3_000 : 8_000);
  const realtimeRates = options.rates ?? (options.smoke ? [100] : [100, 500, 1000, 2000, 4000]);
  const scenarios: ScenarioSpec[] = realtimeRates.map((r) => ({ tier: 'REALTIME', tenants: 1, rate: r, durationMs }));
  if (!options.smoke && options.rates === undefined) {
    for (const r of [500, 2000]) scenarios.push({ tier: 'BATCH', tenants: 1, rate: r, durationMs });
    for (const r of [500, 2000]) scenarios.push({ tier: 'BATCH', tenants: 50, rate: r, durationMs });
    scenarios.push({ tier: 'REALTIME', tenants: 50, rate: 2000, durationMs });
  }
  return { providers: options.providers ?? (options.smoke ? 50 : 1000), scenarios };
}

export interface PipelineRun {
  readonly results: ScenarioResult[];
  readonly memoryMiB: Record<string, number>;
  /** A few envelopes of each type the pipeline wrote to the jobs topic. */
  readonly samples: ReadonlyMap<string, readonly EventEnvelope[]>;
  readonly eventsByType: ReadonlyMap<string, number>;
}

/** The system of one backend with its fleet; `restart` stops the fleet and the services, runs `between`, starts both again. */
export interface BenchSystem {
  readonly system: RunningSystem;
  processes(): Record<string, number | undefined>;
  restart(between: () => Promise<void>): Promise<void>;
}

export async function withSystem<T>(
  backend: Backend,
  options: BenchOptions,
  providers: number,
  log: (m: string) => void,
  body: (bench: BenchSystem) => Promise<T>,
): Promise<T> {
  const system = await startSystem({ backend, tenants: 50, operators: 20, basePort: 56051, profileDir: options.profileDir, log });
  const startFleet = () =>
    startBenchFleet({
      placement: system.address('placement'),
      providers,
      operators: system.operators,
      gpuClass: 'l4-24g',
      gpusPerProvider: [8, 16],
      // 60 s jobs run for 1 s: completions flow while the load runs, capacity never limits.
      timeScale: 60,
      log,
    });
  try {
    let fleet = await startFleet();
    try {
      return await body({
        system,
        processes: () => ({ ...Object.fromEntries(system.services.map((s) => [s.name, s.child.pid])), fleet: fleet.child.pid }),
        restart: async (between) => {
          await fleet.stop();
          await system.restartServices(between);
          fleet = await startFleet();
        },
      });
    } finally {
      await fleet.stop();
    }
  } finally {
    await system.stop();
  }
}

export async function runPipeline(
  plan: PipelinePlan,
  history: string,
  log: (m: string) => void,
  bench: BenchSystem,
  fromBeginning = true,
): Promise<PipelineRun> {
  const watcher = await watchPlacements(bench.system, fromBeginning);
  try {
    const results: ScenarioResult[] = [];
    for (const scenario of plan.scenarios)
      results.push(await runScenario(bench.system, watcher, scenario, history, log, () => bench.processes()));
    return {
      results,
      memoryMiB: bench.system.peakRssMiB(),
      samples: new Map(watcher.samples),
      eventsByType: new Map(watcher.eventsByType),
    };
  } finally {
    await watcher.stop();
  }
}

export function pipelineTable(report: Report, results: readonly ScenarioResult[], title: string, note: string): void {
  report.tables.push({
    title,
    note,
    columns: [
      'log',
      'history',
      'tier',
      'tenants',
      'offered/s',
      'accepted',
      'RESOURCE_EXHAUSTED',
      'errors',
      'placed/s sustained',
      'SubmitJob p50 / p95 / p99 ms',
      'submit→placed p50 / p95 / p99 ms',
      'not placed',
    ],
    rows: results.map((r) => [
      r.backend,
      r.history,
      r.tier,
      String(r.tenants),
      rate(r.rate),
      String(r.accepted),
      String(r.exhausted),
      String(r.errors),
      rate(r.placedPerSecond),
      `${ms(r.submit.p50)} / ${ms(r.submit.p95)} / ${ms(r.submit.p99)}`,
      `${ms(r.submitToPlaced.p50)} / ${ms(r.submitToPlaced.p95)} / ${ms(r.submitToPlaced.p99)}`,
      String(r.unplaced),
    ]),
  });
}

/** Where the CPU went in each scenario: cores per process while its load ran and drained. */
export function cpuTable(report: Report, results: readonly ScenarioResult[]): void {
  const names = ['intake', 'classifier', 'placement', 'metering', 'payout', 'fleet', 'postgresql', 'kafka', 'bench (load, watcher)'];
  report.tables.push({
    title: 'Where the CPU went (cores used per process, while each load ran and drained; the machine has 2)',
    columns: ['log', 'history', 'tier', 'tenants', 'offered/s', ...names, 'total'],
    rows: results.map((r) => [
      r.backend,
      r.history,
      r.tier,
      String(r.tenants),
      rate(r.rate),
      ...names.map((n) => (r.cores[n] ?? 0).toFixed(2)),
      Object.values(r.cores)
        .reduce((a, b) => a + b, 0)
        .toFixed(2),
    ]),
  });
}

export interface MemoryRun {
  readonly backend: string;
  readonly history: string;
  readonly memoryMiB: Record<string, number>;
}

export function memoryTable(report: Report, runs: readonly MemoryRun[]): void {
  const names = ['intake', 'classifier', 'placement', 'metering', 'payout'];
  report.tables.push({
    title:
      'Peak resident memory per service (MiB: VmHWM of each process from its start to the end of its scenarios; target ≤ 300 MB at 1,000 jobs/s)',
    columns: ['log', 'history', ...names, 'largest'],
    rows: runs.map((r) => [
      r.backend,
      r.history,
      ...names.map((n) => String(r.memoryMiB[n] ?? '—')),
      String(Math.max(0, ...names.map((n) => r.memoryMiB[n] ?? 0))),
    ]),
  });
}
