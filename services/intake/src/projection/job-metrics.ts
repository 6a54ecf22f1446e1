// Intake's metrics, from its projection of the jobs topic (names in @switchyard/telemetry's
// switchyardMetrics): jobs by state and tier and how long the oldest has sat in a non-terminal
// state, read from the jobs table on each collection; submit->classified and submit->placed
// latencies, from the events' own times as the projector applies them.
import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { api, enumLabel } from '@switchyard/contracts';
import { histogram, observeGauge, switchyardMetrics, SWITCHYARD_ATTRIBUTES, type ObservedGauge } from '@switchyard/telemetry';
import { DataSource } from 'typeorm';
import { isTerminal } from '../domain/job-lifecycle.js';

const submitToClassified = histogram(switchyardMetrics.SUBMIT_TO_CLASSIFIED);
const submitToPlaced = histogram(switchyardMetrics.SUBMIT_TO_PLACED);

const STATES = Object.values(api.JobState).filter(
  (state) => state !== api.JobState.UNRECOGNIZED && state !== api.JobState.JOB_STATE_UNSPECIFIED,
);
const TIERS = Object.values(api.Tier).filter((tier) => tier !== api.Tier.UNRECOGNIZED);

const attributesOf = (state: string, tier: string) => ({
  [SWITCHYARD_ATTRIBUTES.jobState]: enumLabel(api.JobState, state),
  [SWITCHYARD_ATTRIBUTES.tier]: enumLabel(api.Tier, tier),
});

/** Records the latencies a transition completes; `at` is the event's time, `submittedAt` the job's. */
export function recordTransition(before: api.Job, after: api.Job, at: Date): void {
  const submitted = before.submittedAt ? Number(before.submittedAt.seconds) * 1000 + Math.floor(before.submittedAt.nanos / 1e6) : undefined;
  if (submitted === undefined) return;
  const seconds = Math.max(0, (at.getTime() - submitted) / 1000);
  const tier = { [SWITCHYARD_ATTRIBUTES.tier]: enumLabel(api.Tier, after.tier) };
  if (before.state === api.JobState.JOB_STATE_SUBMITTED && after.state === api.JobState.JOB_STATE_CLASSIFIED)
    submitToClassified.record(seconds, tier);
  // The first placement only: a re-placement after a lost provider is not the submit->placed latency.
  if (after.state === api.JobState.JOB_STATE_PLACED && before.attempts === 0) submitToPlaced.record(seconds, tier);
}

@Injectable()
export class JobMetrics implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private gauges: ObservedGauge[] = [];

  constructor(private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    // Both gauges read one GROUP BY per collection, a scan of the jobs table (one row per job).
    let pending: Promise<Map<string, { count: number; age: number }>> | undefined;
    const read = () =>
      (pending ??= this.counts().finally(() => {
        pending = undefined;
      }));
    this.gauges = [
      // Every state and tier on every collection, 0 when empty, so no series keeps a stale value.
      observeGauge(switchyardMetrics.JOBS, async () => {
        const counts = await read();
        return STATES.flatMap((state) =>
          TIERS.map((tier) => ({ value: counts.get(`${state}/${tier}`)?.count ?? 0, attributes: attributesOf(state, tier) })),
        );
      }),
      observeGauge(switchyardMetrics.JOB_STATE_AGE, async () => {
        const counts = await read();
        return STATES.filter((state) => !isTerminal(state)).flatMap((state) =>
          TIERS.map((tier) => ({ value: counts.get(`${state}/${tier}`)?.age ?? 0, attributes: attributesOf(state, tier) })),
        );
      }),
    ];
  }

  beforeApplicationShutdown(): void {
    for (const gauge of this.gauges) gauge.remove();
  }

  private async counts(): Promise<Map<string, { count: number; age: number }>> {
    const rows: { state: string; tier: string; count: number; age: number }[] = await this.dataSource.query(
      `SELECT state, tier, count(*)::int AS count, EXTRACT(EPOCH FROM now() - min(updated_at))::float8 AS age FROM jobs GROUP BY state, tier`,
    );
    return new Map(rows.map((row) => [`${row.state}/${row.tier}`, { count: Number(row.count), age: Number(row.age) }]));
  }
}
