// The ceiling section: what the same run's log and gRPC stack could carry, beside what the
// pipeline carried. Raw log per backend (in the same system, after its pipeline scenarios);
// bare echo once (it does not depend on the backend).
import type { EventEnvelope } from '@switchyard/event-log';
import type { Report } from '../report.js';
import { ms, percent, rate, ratio } from '../stats.js';
import type { RunningSystem } from '../system.js';
import { EVENTS_PER_PLACED_JOB } from '../pipeline/placed-watcher.js';
import type { ScenarioResult } from '../pipeline/run-scenario.js';
import { CHANNELS } from '../pipeline/load.js';
import { measureEcho, type EchoFigures } from './echo.js';
import { bestPlacedPerSecond, latencyRatio, logEfficiency, pipelineEventsPerSecond, rawEventCount } from './efficiency.js';
import { measureRawLog, type RawLogFigures } from './raw-log.js';

/** Relay rounds as the services publish them: 100 (the runtime's default: intake, classifier), 1000 (placement's relay). */
export const RAW_BATCHES = [100, 1000] as const;
/** Appends in flight: the three relays that write the jobs topic (intake, classifier, placement). */
const APPENDERS = 3;

export async function runRawLog(
  system: RunningSystem,
  results: readonly ScenarioResult[],
  samples: ReadonlyMap<string, readonly EventEnvelope[]>,
  smoke: boolean,
  log: (m: string) => void,
): Promise<RawLogFigures[]> {
  const pipelineSamples = EVENTS_PER_PLACED_JOB.flatMap((type) => samples.get(type) ?? []);
  if (pipelineSamples.length === 0) throw new Error('the pipeline wrote no envelope to copy for the raw-log ceiling');
  const events = rawEventCount(results, smoke ? 3_000 : 20_000, 300_000);
  const figures: RawLogFigures[] = [];
  for (const batchSize of RAW_BATCHES) {
    figures.push(await measureRawLog(system, { events, batchSize, appenders: APPENDERS, consumeBatchSize: 500 }, pipelineSamples, log));
  }
  return figures;
}

/** Echo at every rate the REALTIME one-tenant scenarios offered, with their request and response sizes. */
export async function runEcho(results: readonly ScenarioResult[], durationMs: number, log: (m: string) => void): Promise<EchoFigures[]> {
  const rates = [...new Set(results.filter((r) => r.tier === 'REALTIME' && r.tenants === 1).map((r) => r.rate))].sort((a, b) => a - b);
  const sized = results.find((r) => r.responseBytes > 0);
  if (rates.length === 0 || sized === undefined) return [];
  return measureEcho(
    rates.map((r) => ({ rate: r, durationMs, requestBytes: sized.requestBytes, channels: CHANNELS })),
    sized.responseBytes,
    log,
  );
}

export function ceilingTables(
  report: Report,
  results: readonly ScenarioResult[],
  raw: readonly RawLogFigures[],
  echo: readonly EchoFigures[],
): void {
  const history = results.filter((r) => r.history === 'empty');
  const rawRows = raw.map((f) => {
    const best = bestPlacedPerSecond(history.filter((r) => r.backend === f.backend));
    const pipelineEvents = pipelineEventsPerSecond(best);
    return [
      f.backend,
      rate(f.events),
      `${f.meanEnvelopeBytes.toFixed(0)} B`,
      `${f.batchSize} × ${f.appenders}`,
      rate(f.appendedPerSecond),
      rate(f.eventsPerSecond),
      `${rate(pipelineEvents)} (${rate(best)} placed/s × ${EVENTS_PER_PLACED_JOB.length})`,
      percent(logEfficiency(pipelineEvents, f.eventsPerSecond)),
    ];
  });
  report.tables.push({
    title: 'Ceiling: the raw event log in the same run (append → consume through the EventLog port)',
    note:
      `The pipeline's own envelopes (JobSubmitted, JobClassified, JobPlaced, as the watcher read them) copied with fresh ids and subjects, ` +
      `as many as the largest scenario wrote, appended in relay-sized batches by ${APPENDERS} appenders at once (the three relays writing the jobs topic) ` +
      `and read by one consumer group in batches of 500; events/s is first append to last event consumed. ` +
      `A job's submit→placed writes ${EVENTS_PER_PLACED_JOB.length} events to the log. Efficiency = pipeline events/s ÷ raw events/s (target ≥ 30 %).`,
    columns: [
      'log',
      'envelopes',
      'mean size',
      'batch × appenders',
      'appended/s',
      'raw events/s end to end',
      'pipeline events/s (best scenario)',
      'efficiency',
    ],
    rows: rawRows,
  });
  if (echo.length === 0) return;
  const backends = [...new Set(history.map((r) => r.backend))];
  report.tables.push({
    title: 'Ceiling: a bare grpc-js unary echo at the SubmitJob load (open loop, same rate, same channels, same message sizes)',
    note: 'Ratio = SubmitJob p50 (REALTIME, one tenant, empty history) ÷ echo p50 at the same offered rate (target ≤ 1.5×).',
    columns: [
      'offered/s',
      'channels',
      'echo p50 / p99 ms',
      'echo rps',
      ...backends.flatMap((b) => [`SubmitJob p50 ms (${b})`, `ratio (${b})`]),
    ],
    rows: echo.map((e) => [
      rate(e.rate),
      String(e.channels),
      `${ms(e.latency.p50)} / ${ms(e.latency.p99)}`,
      rate(e.rps),
      ...backends.flatMap((b) => {
        const s = history.find((r) => r.backend === b && r.tier === 'REALTIME' && r.tenants === 1 && r.rate === e.rate);
        return s ? [ms(s.submit.p50), ratio(latencyRatio(s.submit.p50, e.latency.p50))] : ['—', '—'];
      }),
    ]),
  });
}
