import type { api } from '@switchyard/contracts/messages';
import type { PlacedTier } from '../placement-policy.js';

/** What placement decides on: one attempt of one classified job, at the triggering event's time. */
export interface PlacementRequest {
  jobId: string;
  tenantId: string;
  tier: PlacedTier;
  spec: api.JobSpec;
  attempt: number;
  /** Providers that lost or failed earlier attempts of this job. */
  excludedProviderIds: readonly string[];
  /** Time of the event that triggered the decision (JobClassified, JobRequeued, capacity change...). */
  at: api.Timestamp;
  /** Per completed dependency of the job, the provider that completed it (its output is there). */
  producers?: Readonly<Record<string, string>>;
}
