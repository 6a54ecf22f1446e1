// meterUsage: one provider usage report, the job it belongs to and the rate cards in, one
// UsageMetered out. Pure: the same report priced twice gives the same event, usage id included.
import { api, decides, type events } from '@switchyard/contracts/messages';
import { epochMsOf, timestampOfMs } from './instant.js';
import { MeteringError } from './metering-error.js';
import { chargeFor, splitCharge, type UsageQuantities } from './price-usage.js';
import { rateCardAt, ratesFor, type RateCard } from './rate-card.js';

/** What metering knows of a job from the jobs topic: who pays, in which tier, on which GPUs. */
export interface MeteredJob {
  readonly tenantId: string;
  readonly tier: api.Tier;
  readonly gpuClass: string;
}

const UINT64_MAX = 18_446_744_073_709_551_615n;

/** The usage id of a report: a function of the report id alone, so a redelivery gets the same one. */
export function usageIdOf(reportId: string): string {
  return `usage:${reportId}`;
}

/**
 * Prices `reported` under the rate card in effect at its `reportedAt`. `meteredAt` defaults to
 * the report time; the consumer passes the time of the event that let it price the report.
 */
export function meterUsage(
  reported: events.UsageReported,
  job: MeteredJob,
  cards: readonly RateCard[],
  meteredAt: api.Timestamp | undefined = undefined,
): events.UsageMetered {
  if (reported.reportId === '') throw new MeteringError('INVALID_USAGE', 'UsageReported has no report_id');
  if (reported.jobId === '') throw new MeteringError('INVALID_USAGE', `UsageReported ${reported.reportId} has no job_id`);
  if (reported.reportedAt == null) throw new MeteringError('INVALID_USAGE', `UsageReported ${reported.reportId} has no reported_at`);
  const usage = quantitiesOf(reported);
  const card = rateCardAt(cards, epochMsOf(reported.reportedAt));
  const waived = isWaived(reported);
  const split = waived ? NOTHING : splitCharge(chargeFor(usage, ratesFor(card, job.tier, job.gpuClass)), card.protocolFeeBps);
  return {
    usageId: usageIdOf(reported.reportId),
    jobId: reported.jobId,
    attempt: reported.attempt,
    reportId: reported.reportId,
    tenantId: job.tenantId,
    providerId: reported.providerId,
    tier: job.tier,
    gpuClass: job.gpuClass,
    rateCardVersion: card.version,
    amounts: {
      gpuMilliseconds: usage.gpuMilliseconds.toString(),
      tokens: usage.tokens.toString(),
      bytes: usage.bytes.toString(),
      fetchedBytes: (usage.fetchedBytes ?? 0n).toString(),
    },
    tenantChargeBaseUnits: split.tenantCharge.toString(),
    providerEarningBaseUnits: split.providerEarning.toString(),
    protocolFeeBaseUnits: split.protocolFee.toString(),
    meteredAt: meteredAt ?? reported.reportedAt,
    waived,
    fault: reported.fault,
  };
}

const NOTHING = { tenantCharge: 0n, providerEarning: 0n, protocolFee: 0n };

/**
 * A failed run is charged only when the failure was the job's own (FAULT_WORKLOAD); one the
 * provider lost, the platform broke, a preemption or a timeout ended is recorded and waived.
 * A completed run is always charged.
 */
export function isWaived(reported: events.UsageReported): boolean {
  return reported.failed && !decides(reported.fault, 'chargeTenant', true);
}

function quantitiesOf(reported: events.UsageReported): UsageQuantities {
  const amounts = reported.amounts;
  return {
    gpuMilliseconds: count(amounts?.gpuMilliseconds, 'gpu_milliseconds', reported.reportId),
    tokens: count(amounts?.tokens, 'tokens', reported.reportId),
    bytes: count(amounts?.bytes, 'bytes', reported.reportId),
    fetchedBytes: count(amounts?.fetchedBytes ?? '0', 'fetched_bytes', reported.reportId),
  };
}

/** A uint64 decimal string (absent means 0, as in protobuf JSON). */
function count(value: string | undefined | null, field: string, reportId: string): bigint {
  if (value == null || value === '') return 0n;
  if (!/^\d{1,20}$/.test(value) || BigInt(value) > UINT64_MAX) {
    throw new MeteringError('INVALID_USAGE', `UsageReported ${reportId}: amounts.${field} "${value}" is not a uint64`);
  }
  return BigInt(value);
}

/** The time a report is metered at: its own report time, or the event that made it priceable if later. */
export function meteredAtOf(reported: events.UsageReported, triggerMs: number): api.Timestamp {
  return timestampOfMs(Math.max(epochMsOf(reported.reportedAt ?? timestampOfMs(0)), triggerMs));
}

/** What a delivered usage report becomes. */
export type UsageReportDecision =
  /** Its report id was priced or parked before: nothing changes. */
  | { readonly kind: 'duplicate' }
  /** Its job is not known yet (no tier, no GPU class): parked until it is. */
  | { readonly kind: 'park' }
  | { readonly kind: 'meter'; readonly metered: events.UsageMetered };

/**
 * Decides a report just delivered, given whether its id was seen and what is known of its job. A
 * report that cannot be priced (no rate for its tier and GPU class) throws MeteringError.
 */
export function decideUsageReport(
  reported: events.UsageReported,
  known: { readonly seen: boolean; readonly job: MeteredJob | undefined },
  cards: readonly RateCard[],
  triggerMs: number,
): UsageReportDecision {
  if (known.seen) return { kind: 'duplicate' };
  if (known.job === undefined) return { kind: 'park' };
  return { kind: 'meter', metered: meterUsage(reported, known.job, cards, meteredAtOf(reported, triggerMs)) };
}
