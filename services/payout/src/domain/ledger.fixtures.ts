// Builders for the ledger specs: a metered usage and a REALTIME job with sensible defaults.
import { api } from '@switchyard/contracts/messages';
import type { JobSla } from './penalties.js';
import type { MeteredUsage } from './post-usage.js';

export const T0 = new Date('2026-11-01T00:00:00.000Z');

export function at(seconds: number): Date {
  return new Date(T0.getTime() + seconds * 1000);
}

export function usage(overrides: Partial<MeteredUsage> = {}): MeteredUsage {
  return {
    usageId: 'usage-1',
    jobId: 'job-1',
    attempt: 1,
    reportId: 'report-1',
    tenantId: 'acme',
    providerId: 'gpu-north-1',
    chargeBaseUnits: 1_000n,
    earningBaseUnits: 900n,
    feeBaseUnits: 100n,
    meteredAt: at(10),
    ...overrides,
  };
}

export function realtimeJob(overrides: Partial<JobSla> = {}): JobSla {
  return {
    jobId: 'job-1',
    tenantId: 'acme',
    tier: api.Tier.TIER_REALTIME,
    providerId: 'gpu-north-1',
    attempt: 1,
    placedEventId: 'evt-placed-1',
    maxLatencyMs: 0,
    chargedBaseUnits: 0n,
    ...overrides,
  };
}
