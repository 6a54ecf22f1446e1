// Placement's pure domain: the provider registry fold and the deciders. The service shell and
// the CLI's replay both import from here; nothing below does I/O or reads a clock.
export { defaultPlacementPolicy, isPlacedTier, PLACED_TIERS } from './placement-policy.js';
export type {
  FactorWeights,
  LivenessParameters,
  NormalisationScales,
  PlacedTier,
  PlacementPolicy,
  ReputationParameters,
  TenantRule,
  TierPolicy,
} from './placement-policy.js';
export { emptyRegistry, freeGpus, operatorShareBp } from './registry/provider-registry.js';
export type { ActiveJob, ActiveJobState, ProviderRegistry, ProviderState, ProviderStatus, ProviderTrackRecord } from './registry/provider-registry.js';
export { evolveProviders } from './registry/evolve-providers.js';
export { heartbeatReceived } from './registry/evolve-provider-events.js';
export {
  IGNORED_JOB_EVENT_TYPES,
  registryEventOfJobEnvelope,
  registryEventOfProviderEnvelope,
} from './registry/registry-event.js';
export type { JobFamilyEvent, ProviderFamilyEvent, RegistryEvent } from './registry/registry-event.js';
export { reputationBp } from './reputation.js';
export { filterProviders, placeJob } from './placement/place-job.js';
export type { PlacementDecision } from './placement/place-job.js';
export type { PlacementRequest } from './placement/placement-request.js';
export { worstCasePrice } from './placement/price-cap.js';
export { normalisedFactors, rankCandidates, scoreBreakdown } from './placement/score.js';
export type { ScoringCandidate, ScoringContext } from './placement/score.js';
export { decisionDifferences, rescoreDecision } from './placement/rescore-decision.js';
export type { RescoredDecision } from './placement/rescore-decision.js';
export { isWaiting, orderQueue, waitingJobs } from './queue/job-queue.js';
export type { QueuedJob } from './queue/job-queue.js';
export { nextQueuedJobs } from './queue/next-queued-jobs.js';
export { expireJobs } from './queue/expire-jobs.js';
export { detectLostProviders, jobsHeldBy } from './liveness/detect-lost-providers.js';
export type { LivenessEvent } from './liveness/detect-lost-providers.js';
export { requeueAfterFailure, requeueAfterLoss } from './liveness/requeue.js';
export type { ProviderFailureReport, RequeueOutcome } from './liveness/requeue.js';
export { fnv1a32, tieBreakKey } from './tie-break.js';
export { toEpochMillis, toTimestamp } from './time.js';
