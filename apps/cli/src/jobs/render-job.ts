import { api } from '@switchyard/contracts';
import type { Output } from '../terminal.js';
import { kindLabel, label, stateLabel, tierLabel, tokens } from '../labels.js';

const time = (t: api.Timestamp | undefined) => (t ? new Date(Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6)).toISOString() : '-');

export function jobLine(job: api.Job): string {
  const placement = job.placement ? `${job.placement.providerId} (${job.placement.region}) attempt ${job.placement.attempt}` : '-';
  return `${job.id}  ${stateLabel(job.state).padEnd(10)} ${tierLabel(job.tier).padEnd(11)} ${placement}  submitted ${time(job.submittedAt)}`;
}

export function renderJob(job: api.Job, output: Output): void {
  const c = output.colors;
  output.line(`${c.bold(`job ${job.id}`)}  ${stateLabel(job.state)}${job.cancelRequested ? ' (cancel requested)' : ''}`);
  output.line(`  tier:       ${job.tier === api.Tier.TIER_UNSPECIFIED ? 'not classified yet' : tierLabel(job.tier)}`);
  output.line(
    `  placement:  ${job.placement ? `${job.placement.providerId} in ${job.placement.region}, attempt ${job.placement.attempt}, at ${time(job.placement.placedAt)}` : 'not placed'}`,
  );
  const members = job.placement?.gangMembers ?? [];
  if (members.length > 0)
    output.line(`  gang:       ${members.map((m) => `${m.providerId} ${m.gpuCount} GPUs`).join(', ')} (the first leads)`);
  output.line(`  attempts:   ${job.attempts}`);
  if (job.spec)
    output.line(
      `  spec:       ${kindLabel(job.spec.kind)} ${job.spec.gpuCount}x${job.spec.gpuClass}${job.spec.gangDomain === api.GangDomain.GANG_DOMAIN_OPERATOR_REGION ? ' (one operator and region)' : ''} est=${job.spec.estimatedDurationSeconds}s${job.spec.maxLatencyMs ? ` max_latency=${job.spec.maxLatencyMs}ms` : ''}`,
    );
  if (job.quote)
    output.line(
      `  quote:      rate card ${job.quote.rateCardVersion}: ${job.quote.prices.map((p) => `${tierLabel(p.tier)} ${tokens(p.worstCasePriceBaseUnits)}`).join(', ')} (worst case)`,
    );
  output.line(`  idempotency key: ${job.idempotencyKey}`);
  output.line(
    `  submitted ${time(job.submittedAt)}  classified ${time(job.classifiedAt)}  started ${time(job.startedAt)}  finished ${time(job.finishedAt)}`,
  );
  if (job.failureMessage) output.line(`  failure:    ${label(api.FailureCategory, job.failureCategory)}: ${job.failureMessage}`);
  if (job.resultHash) output.line(`  result:     ${job.resultHash}`);
}

export function renderQuote(quote: api.Quote, output: Output): void {
  output.line(`rate card ${quote.rateCardVersion} (quoted ${time(quote.quotedAt)})`);
  output.line(`  ${'tier'.padEnd(10)} ${'worst case'.padStart(26)} ${'per GPU-hour'.padStart(18)}`);
  for (const price of quote.prices) {
    output.line(
      `  ${tierLabel(price.tier).padEnd(10)} ${tokens(price.worstCasePriceBaseUnits).padStart(26)} ${tokens(price.gpuHourRateBaseUnits).padStart(18)}`,
    );
  }
}

export const TERMINAL_STATES: readonly api.JobState[] = [
  api.JobState.JOB_STATE_COMPLETED,
  api.JobState.JOB_STATE_FAILED,
  api.JobState.JOB_STATE_CANCELLED,
  api.JobState.JOB_STATE_EXPIRED,
];
