// The ratios the ceiling section reports: how much of the raw log's rate the pipeline uses, and
// what SubmitJob costs above a bare gRPC call at the same load. Pure, so they are unit-tested.
import { EVENTS_PER_PLACED_JOB } from '../pipeline/placed-watcher.js';

/** Events the pipeline writes per second at a sustained placement rate (JobSubmitted, JobClassified, JobPlaced per job). */
export function pipelineEventsPerSecond(placedPerSecond: number, eventsPerJob: number = EVENTS_PER_PLACED_JOB.length): number {
  return placedPerSecond * eventsPerJob;
}

/** Pipeline events/s ÷ raw events/s (NaN when the raw rate is unknown). */
export function logEfficiency(pipelineEvents: number, rawEvents: number): number {
  return rawEvents > 0 && Number.isFinite(rawEvents) ? pipelineEvents / rawEvents : NaN;
}

/** SubmitJob p50 ÷ echo p50 at the same rate and channels. */
export function latencyRatio(submitP50: number, echoP50: number): number {
  return echoP50 > 0 && Number.isFinite(echoP50) ? submitP50 / echoP50 : NaN;
}

/** The best sustained placement rate among scenarios (the pipeline's saturation figure). */
export function bestPlacedPerSecond(results: readonly { placedPerSecond: number }[]): number {
  return results.reduce((best, r) => Math.max(best, r.placedPerSecond), 0);
}

/** How many envelopes the raw log carries: what the largest scenario wrote, at least `floor`. */
export function rawEventCount(results: readonly { accepted: number }[], floor: number, cap: number): number {
  const largest = results.reduce((n, r) => Math.max(n, r.accepted), 0) * EVENTS_PER_PLACED_JOB.length;
  return Math.min(cap, Math.max(floor, largest));
}
