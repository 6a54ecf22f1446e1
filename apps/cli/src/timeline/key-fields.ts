// The few fields of each event an SRE scans a timeline for. Works on the canonical JSON, so an
// event type this CLI does not know yet still shows its scalar fields instead of nothing.
import type { JsonValue } from '@switchyard/event-log';
import { tokens } from '../labels.js';
import { faultLabel } from '../explain/fault-summary.js';

type Json = { [key: string]: JsonValue };
type Describe = (d: Json) => (string | undefined)[];

const field = (name: string, value: JsonValue | undefined): string | undefined =>
  value === undefined || value === null || value === '' ? undefined : `${name}=${Array.isArray(value) ? value.join(',') : String(value)}`;

/** An amount in base units as people say it (`4.5 tokens`), or nothing. */
const money = (value: JsonValue | undefined): string | undefined =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? tokens(value) : undefined;

const short = (value: JsonValue | undefined, prefix: string): string | undefined =>
  typeof value === 'string' ? value.replace(prefix, '') : undefined;

const spec = (d: Json): Json => (d.spec as Json | undefined) ?? {};

const DESCRIBE: Readonly<Record<string, Describe>> = {
  JobSubmitted: (d) => [
    field('tenant', d.tenantId),
    field('plan', d.tenantPlan),
    field('kind', short(spec(d).kind, 'WORKLOAD_KIND_')),
    field('gpus', spec(d).gpuCount !== undefined ? `${String(spec(d).gpuCount)}x${String(spec(d).gpuClass ?? '?')}` : spec(d).gpuClass),
    field('max_latency_ms', spec(d).maxLatencyMs),
  ],
  JobClassified: (d) => [field('tier', short(d.tier, 'TIER_')), field('rule', d.matchedRuleId), field('policy', d.policyVersion)],
  JobQueued: (d) => [field('attempt', d.attempt), field('reasons', (d.reasons as string[] | undefined)?.join('; '))],
  JobPlaced: (d) => {
    const decision = (d.decision as Json | undefined) ?? {};
    const score = (decision.chosenScore as Json | undefined)?.total;
    return [
      field('provider', d.providerId),
      field('operator', d.operatorId),
      field('attempt', d.attempt),
      field('score', typeof score === 'number' ? score.toFixed(4) : undefined),
      field('candidates', decision.candidatesTotal),
      field(
        'gang',
        (d.gangMembers as { providerId?: string; gpuCount?: number }[] | undefined)
          ?.map((m) => `${m.providerId ?? '?'}x${m.gpuCount ?? 0}`)
          .join(',') || undefined,
      ),
    ];
  },
  JobRequeued: (d) => [
    field('attempt', d.attempt),
    field('reason', short(d.reason, 'REQUEUE_REASON_')),
    field('fault', faultLabel(d.fault) || undefined),
    field('previous', d.previousProviderId),
    field('message', d.message),
  ],
  JobExclusionRelaxed: (d) => [field('attempt', d.attempt), field('relaxed', d.relaxedProviderIds), field('reason', d.reason)],
  JobStarted: (d) => [field('provider', d.providerId), field('attempt', d.attempt)],
  JobCompleted: (d) => [field('provider', d.providerId), field('attempt', d.attempt)],
  JobFailed: (d) => [
    field('provider', d.providerId),
    field('category', short(d.category, 'FAILURE_CATEGORY_')),
    field('source', short(d.source, 'FAILURE_SOURCE_')),
    field('fault', faultLabel(d.fault) || undefined),
    field('message', d.message),
  ],
  JobCancelRequested: (d) => [field('reason', d.reason)],
  JobCancelled: (d) => [field('provider', d.providerId), field('reason', d.reason)],
  JobExpired: (d) => [field('state', short(d.stateAtExpiry, 'JOB_STATE_')), field('provider', d.providerId)],
  ProviderLost: (d) => [field('provider', d.providerId), field('jobs', d.jobIds)],
  ProviderRegistered: (d) => [field('provider', d.providerId), field('operator', d.operatorId), field('region', d.region)],
  ProviderCapacityChanged: (d) => [
    field('provider', d.providerId),
    field('total', d.totalGpus),
    field('in_use', d.gpusInUse),
    field('health', short(d.health, 'HEALTH_STATUS_')),
  ],
  ProviderInputsReported: (d) => [
    field('provider', d.providerId),
    field('job', d.jobId),
    field('attempt', d.attempt),
    field('added', d.addedDigests),
    field('misclaimed', d.misclaimedDigests),
  ],
  UsageReported: (d) => [
    field('report', d.reportId),
    field('provider', d.providerId),
    field('gpu_ms', (d.amounts as Json | undefined)?.gpuMilliseconds),
    field('failed', d.failed === true ? faultLabel(d.fault) || 'yes' : undefined),
  ],
  UsageMetered: (d) => [
    field('usage', d.usageId),
    field('charge', money(d.tenantChargeBaseUnits)),
    field('earning', money(d.providerEarningBaseUnits)),
    field('fee', money(d.protocolFeeBaseUnits)),
    field('rate_card', d.rateCardVersion),
    field('waived', d.waived === true ? faultLabel(d.fault) || 'yes' : undefined),
  ],
  PostingRecorded: (d) => [
    field('posting', d.postingId),
    field('source', d.sourceId),
    field('entries', (d.entries as JsonValue[] | undefined)?.length),
  ],
  PayoutIssued: (d) => [field('payout', d.payoutId), field('provider', d.providerId), field('amount', money(d.amountBaseUnits))],
  PenaltyAssessed: (d) => [
    field('penalty', d.penaltyId),
    field('provider', d.providerId),
    field('amount', money(d.amountBaseUnits)),
    field('reason', d.reason),
  ],
};

export function keyFields(name: string, json: JsonValue): string {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return '';
  const describe = DESCRIBE[name];
  const parts = describe
    ? describe(json)
    : Object.entries(json)
        .filter(([, v]) => typeof v !== 'object')
        .map(([k, v]) => field(k, v));
  return parts.filter((p): p is string => p !== undefined).join(' ');
}
