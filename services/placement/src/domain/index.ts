// Placement's pure domain: the provider registry fold, the indexes over it and the deciders. The
// service shell and the CLI's replay both import from here; nothing below does I/O or reads a clock.
export {
  defaultPlacementPolicy,
  isPlacedTier,
  PLACED_TIERS,
  PLACEMENT_POLICY_VERSIONS,
  placementPolicy2025,
  placementPolicy2026,
} from './placement-policy.js';
export { placementPolicyFrom, PlacementPolicyFileError } from './policy-file.js';
export { outcomeDifferences, recordsFault, type RecordedOutcome } from './liveness/outcome-check.js';
export type {
  FactorWeights,
  LivenessParameters,
  NormalisationScales,
  PatienceParameters,
  PlacedTier,
  PlacementPolicy,
  ReputationParameters,
  TenantRule,
  TierPolicy,
} from './placement-policy.js';
export {
  dependencyState,
  endpointKey,
  freeGpus,
  holdersOf,
  holdingKey,
  holds,
  inventoryOf,
  jobsHeldBy,
  newRegistry,
  operatorShareBp,
  registryOf,
} from './registry/provider-registry.js';
export type {
  ActiveJob,
  JobOutcome,
  ActiveJobState,
  ProviderRegistry,
  ProviderState,
  ProviderStatus,
  ProviderTrackRecord,
  TierHoldings,
} from './registry/provider-registry.js';
export { evolveProviders } from './registry/evolve-providers.js';
export { IGNORED_JOB_EVENT_TYPES, registryEventOfJobEnvelope, registryEventOfProviderEnvelope } from './registry/registry-event.js';
export type { JobFamilyEvent, ProviderFamilyEvent, RegistryEvent } from './registry/registry-event.js';
export { reputationBp } from './reputation.js';
export { CandidateIndex, spreadTerm, staticScore } from './placement/candidate-index.js';
export { decidePlacement, filterProviders, newPassMemo, placeJob, tryPlacement } from './placement/place-job.js';
export type { PassMemo, PlacementDecision } from './placement/place-job.js';
export type { PlacementRequest } from './placement/placement-request.js';
export { worstCasePrice } from './placement/price-cap.js';
export { normalisedFactors, rankCandidates, scoreBreakdown } from './placement/score.js';
export type { ScoringCandidate, ScoringContext } from './placement/score.js';
export { decisionDifferences, rescoreDecision } from './placement/rescore-decision.js';
export type { RescoredDecision } from './placement/rescore-decision.js';
export { isWaiting, orderQueue, waitingJobs } from './queue/job-queue.js';
export type { QueuedJob } from './queue/job-queue.js';
export { WaitingQueue } from './queue/waiting-queue.js';
export { expireJobs } from './queue/expire-jobs.js';
export { detectLostProviders } from './liveness/detect-lost-providers.js';
export type { LivenessEvent } from './liveness/detect-lost-providers.js';
export { requeueAfterFailure, requeueAfterLoss, requeueUnheld } from './liveness/requeue.js';
export { decideStranded, overdueStarts, reconcileRuns } from './liveness/patience.js';
export type { Reconciliation, StrandedDecision } from './liveness/patience.js';
export type { ProviderFailureReport, RequeueOutcome } from './liveness/requeue.js';
export { decideHeartbeat } from './commands/decide-heartbeat.js';
export type { HeartbeatDecision, HeartbeatInput } from './commands/decide-heartbeat.js';
export { decideRegistration } from './commands/decide-registration.js';
export type { RegistrationDecision, RegistrationInput } from './commands/decide-registration.js';
export { decideCancel, decideReport } from './commands/decide-report.js';
export type { ReportDecision, ReportInput, ReportKind } from './commands/decide-report.js';
export { nothingTouched, PlacementState } from './scheduler/placement-state.js';
export type { Touched } from './scheduler/placement-state.js';
export { schedule } from './scheduler/schedule.js';
export { dependencyFailed, waitingForDependencies } from './scheduler/dependencies.js';
export type { SchedulePass } from './scheduler/schedule.js';
export { fnv1a32, tieBreakKey } from './tie-break.js';
export { toEpochMillis, toTimestamp } from './time.js';
