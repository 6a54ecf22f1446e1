import { api } from '@switchyard/contracts';
import type { Output } from '../terminal.js';

const time = (t: api.Timestamp | undefined) => (t ? new Date(Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6)).toISOString() : '-');
const short = (value: string, prefix: string) => value.replace(prefix, '');

export function jobLine(job: api.Job): string {
  const placement = job.placement ? `${job.placement.providerId} (${job.placement.region}) attempt ${job.placement.attempt}` : '-';
  return `${job.id}  ${short(job.state, 'JOB_STATE_').padEnd(10)} ${short(job.tier, 'TIER_').padEnd(11)} ${placement}  submitted ${time(job.submittedAt)}`;
}

export function renderJob(job: api.Job, output: Output): void {
  const c = output.colors;
  output.line(`${c.bold(`job ${job.id}`)}  ${short(job.state, 'JOB_STATE_')}${job.cancelRequested ? ' (cancel requested)' : ''}`);
  output.line(`  tier:       ${job.tier === api.Tier.TIER_UNSPECIFIED ? 'not classified yet' : job.tier}`);
  output.line(`  placement:  ${job.placement ? `${job.placement.providerId} in ${job.placement.region}, attempt ${job.placement.attempt}, at ${time(job.placement.placedAt)}` : 'not placed'}`);
  output.line(`  attempts:   ${job.attempts}`);
  if (job.spec) output.line(`  spec:       ${job.spec.kind} ${job.spec.gpuCount}x${job.spec.gpuClass} est=${job.spec.estimatedDurationSeconds}s${job.spec.maxLatencyMs ? ` max_latency=${job.spec.maxLatencyMs}ms` : ''}`);
  if (job.quote) output.line(`  quote:      rate card ${job.quote.rateCardVersion}: ${job.quote.prices.map((p) => `${short(p.tier, 'TIER_')} ${p.worstCasePriceBaseUnits}`).join(', ')}`);
  output.line(`  idempotency key: ${job.idempotencyKey}`);
  output.line(`  submitted ${time(job.submittedAt)}  classified ${time(job.classifiedAt)}  started ${time(job.startedAt)}  finished ${time(job.finishedAt)}`);
  if (job.failureMessage) output.line(`  failure:    ${job.failureCategory}: ${job.failureMessage}`);
  if (job.resultHash) output.line(`  result:     ${job.resultHash}`);
}

export function renderQuote(quote: api.Quote, output: Output): void {
  output.line(`rate card ${quote.rateCardVersion} (quoted ${time(quote.quotedAt)})`);
  output.line(`  ${'tier'.padEnd(10)} ${'worst case'.padStart(16)} ${'per GPU-hour'.padStart(14)}`);
  for (const price of quote.prices) {
    output.line(`  ${short(price.tier, 'TIER_').padEnd(10)} ${price.worstCasePriceBaseUnits.padStart(16)} ${price.gpuHourRateBaseUnits.padStart(14)}`);
  }
}

export const TERMINAL_STATES: readonly api.JobState[] = [
  api.JobState.JOB_STATE_COMPLETED,
  api.JobState.JOB_STATE_FAILED,
  api.JobState.JOB_STATE_CANCELLED,
  api.JobState.JOB_STATE_EXPIRED,
];
