// One pipeline scenario: open-loop load at one rate, then wait until every accepted job was
// placed (or progress stops), and summarise SubmitJob latency, submit→placed latency and the
// sustained placement rate.
import { coresBetween, sampleCpu } from '../cpu.js';
import { sleep, summarise, type LatencySummary } from '../stats.js';
import type { RunningSystem } from '../system.js';
import { runLoad, type BenchTier } from './load.js';
import type { PlacedWatcher } from './placed-watcher.js';

export interface ScenarioSpec {
  readonly tier: BenchTier;
  readonly tenants: number;
  readonly rate: number;
  readonly durationMs: number;
}

export interface ScenarioResult extends ScenarioSpec {
  readonly backend: string;
  readonly history: string;
  readonly offered: number;
  readonly accepted: number;
  readonly exhausted: number;
  readonly errors: number;
  readonly errorKinds: Readonly<Record<string, number>>;
  readonly lateSends: number;
  readonly submit: LatencySummary;
  readonly submitToPlaced: LatencySummary;
  /** Accepted jobs placed ÷ (last placement − first send). */
  readonly placedPerSecond: number;
  readonly unplaced: number;
  /** Events the pipeline appended to the jobs topic per second over the same span. */
  readonly jobEventsPerSecond: number;
  /** Cores each process used while the load ran and its placements drained. */
  readonly cores: Record<string, number>;
  readonly requestBytes: number;
  readonly responseBytes: number;
}

export async function runScenario(
  system: RunningSystem,
  watcher: PlacedWatcher,
  spec: ScenarioSpec,
  history: string,
  log: (m: string) => void,
  processes: () => Readonly<Record<string, number | undefined>>,
): Promise<ScenarioResult> {
  const tag = `${spec.tier.toLowerCase()}-${spec.tenants}t-${spec.rate}-${Date.now().toString(36)}`;
  const eventsBefore = watcher.eventsSeen();
  const cpuBefore = sampleCpu(processes());
  const cpuFrom = performance.now();
  const load = await runLoad({
    intake: system.address('intake'),
    rate: spec.rate,
    durationMs: spec.durationMs,
    tenants: system.tenants.slice(0, spec.tenants),
    tier: spec.tier,
    tag,
  });
  const accepted = load.submissions.filter((s) => s.outcome === 'accepted' && s.jobId !== undefined);
  // Wait for the placements: until all are in, or nothing new arrived for 15 s, or 90 s passed.
  const deadline = Date.now() + 90_000;
  let lastCount = -1;
  let lastProgress = Date.now();
  for (;;) {
    const done = accepted.filter((s) => watcher.placedAt.has(s.jobId!) || watcher.queued.has(s.jobId!)).length;
    if (done === accepted.length) break;
    if (done !== lastCount) {
      lastCount = done;
      lastProgress = Date.now();
    }
    if (Date.now() - lastProgress > 15_000 || Date.now() > deadline) break;
    await sleep(200);
  }
  const cores = coresBetween(cpuBefore, sampleCpu(processes()), (performance.now() - cpuFrom) / 1000);
  // Let the watcher see the job events that followed (started, completed) before the next run.
  await sleep(500);
  const latencies: number[] = [];
  let lastPlaced = load.startedAt;
  for (const s of accepted) {
    const placedAt = watcher.placedAt.get(s.jobId!);
    if (placedAt === undefined) continue;
    latencies.push(Math.max(0, placedAt - s.sentAt));
    lastPlaced = Math.max(lastPlaced, placedAt);
  }
  const span = Math.max(1, lastPlaced - load.startedAt) / 1000;
  const result: ScenarioResult = {
    ...spec,
    backend: system.backend,
    history,
    offered: load.submissions.length,
    accepted: accepted.length,
    exhausted: load.submissions.filter((s) => s.outcome === 'exhausted').length,
    errors: load.submissions.filter((s) => s.outcome === 'error').length,
    errorKinds: load.errors,
    lateSends: load.lateSends,
    submit: summarise(load.submissions.filter((s) => s.outcome === 'accepted').map((s) => s.latencyMs)),
    submitToPlaced: summarise(latencies),
    placedPerSecond: latencies.length / span,
    unplaced: accepted.length - latencies.length,
    jobEventsPerSecond: (watcher.eventsSeen() - eventsBefore) / span,
    cores,
    requestBytes: load.requestBytes,
    responseBytes: load.responseBytes,
  };
  log(
    `${system.backend} ${history} ${spec.tier} ${spec.tenants} tenant(s) @ ${spec.rate}/s: accepted ${result.accepted}/${result.offered}` +
      ` (exhausted ${result.exhausted}, errors ${result.errors}), placed/s ${result.placedPerSecond.toFixed(0)},` +
      ` submit p50 ${result.submit.p50.toFixed(1)} ms, submit→placed p50 ${result.submitToPlaced.p50.toFixed(0)} ms p99 ${result.submitToPlaced.p99.toFixed(0)} ms` +
      (result.unplaced > 0 ? `, ${result.unplaced} not placed` : ''),
  );
  return result;
}
