import { api } from '@switchyard/contracts/messages';

// The placement policy is plain data: the service loads one at start, the CLI loads alternatives
// from a file for `replay what-if`. Every decision records `version`, so a policy that changes
// anything that affects a decision must get a new version.

/** Tiers that placement scores; TIER_UNSPECIFIED jobs are never placed (classify first). */
export type PlacedTier = api.Tier.TIER_REALTIME | api.Tier.TIER_STANDARD | api.Tier.TIER_BATCH | api.Tier.TIER_TRAINING;

/** Placed tiers in queue priority order, highest first. */
export const PLACED_TIERS: readonly PlacedTier[] = [
  api.Tier.TIER_REALTIME,
  api.Tier.TIER_STANDARD,
  api.Tier.TIER_TRAINING,
  api.Tier.TIER_BATCH,
];

/** Relative importance of each factor; a factor's normalised value (0..1) is multiplied by it. */
export interface FactorWeights {
  latency: number;
  reputation: number;
  price: number;
  /** Spreading a tenant's tier work across operators: the lower the operator's share, the better. */
  operatorSpread: number;
  /**
   * Locality, for a job that declares inputs: the time the provider would spend fetching the
   * inputs it does not hold (at its ingress bandwidth), and what it would charge for them (at its
   * transfer price). Absent = 0 (policies before locality).
   */
  transferTime?: number;
  transferPrice?: number;
}

export interface TierPolicy {
  weights: FactorWeights;
  /**
   * Most of a tenant's active work in this tier one operator may hold after this placement, in
   * basis points; 10000 turns the cap off. See docs/placement-scoring.md for the fallback when
   * every candidate would breach it.
   */
  operatorShareCapBp: number;
}

/**
 * Reputation = Bayesian-smoothed completion rate: `priorWeight` imaginary attempts at
 * `priorRateBp` are added to the provider's record, and a loss counts as `lossWeight` failures.
 */
export interface ReputationParameters {
  priorWeight: number;
  priorRateBp: number;
  lossWeight: number;
  /** A misclaimed holding (an input advertised as held, then fetched) counts as this many failures. */
  misclaimWeight: number;
  /** Reputation a DEGRADED provider keeps, in basis points of its computed reputation. */
  degradedRetentionBp: number;
}

/**
 * Fixed normalisation scales, so a candidate's normalised factors depend on its own recorded
 * values alone and a replay can re-score any subset of recorded candidates exactly.
 * normalised = half / (half + value): 1 at zero, 0.5 at `half`, towards 0 beyond.
 */
export interface NormalisationScales {
  latencyHalfMs: number;
  /** Price per GPU-hour, base units, that scores 0.5; `priceHalfByGpuClass` overrides per class. */
  priceHalfBaseUnits: string;
  priceHalfByGpuClass: Readonly<Record<string, string>>;
  /** Fetch time, milliseconds, that scores 0.5 on transfer_time. */
  transferTimeHalfMs?: number;
  /** Transfer price for the job's missing inputs, base units, that scores 0.5 on transfer_price. */
  transferPriceHalfBaseUnits?: string;
  /** Ingress bandwidth assumed for a provider that does not state one, Mbit/s. */
  defaultIngressMbps?: number;
}

export interface LivenessParameters {
  heartbeatIntervalMs: number;
  /** Consecutive missed intervals after which the provider is SUSPECT (takes no new work). */
  suspectAfterMissed: number;
  /** Consecutive missed intervals after which the provider is LOST and its jobs requeued. */
  lostAfterMissed: number;
}

/** Per-tenant operator rules: a denied operator is never chosen; a non-empty allow list is exclusive. */
export interface TenantRule {
  allowedOperatorIds: readonly string[];
  deniedOperatorIds: readonly string[];
}

/** When placement stops waiting on a provider or for one. */
export interface PatienceParameters {
  /** Per tier: how long a placed attempt may go unstarted before it is requeued; 0 never. */
  startTimeoutMs: Readonly<Record<PlacedTier, number>>;
  /** Heartbeat intervals after placement within which a run must show in the provider's heartbeat. */
  notHeldGraceIntervals: number;
  /** A queued job blocked only by the providers it was excluded from gets them back after this; 0 never. */
  relaxExclusionAfterMs: number;
  /** A queued job no registered provider could ever run (whatever its health or load) fails after this; 0 never. */
  failUnplaceableAfterMs: number;
}

export interface PlacementPolicy {
  version: string;
  tiers: Readonly<Record<PlacedTier, TierPolicy>>;
  /** Attempts a job gets in total (first placement included) before it fails for good. */
  maxAttempts: number;
  /** Most candidates a DecisionRecord lists; the rest are only counted in candidatesTotal. */
  recordedCandidatesLimit: number;
  /** Health states that may take new work. */
  acceptedHealth: readonly api.HealthStatus[];
  reputation: ReputationParameters;
  scales: NormalisationScales;
  liveness: LivenessParameters;
  tenantRules: Readonly<Record<string, TenantRule>>;
  patience: PatienceParameters;
}

/** The first shipped policy; kept so decisions it recorded stay verifiable. */
export const placementPolicy2025: PlacementPolicy = {
  version: 'placement-2025-01',
  tiers: {
    [api.Tier.TIER_REALTIME]: {
      weights: { latency: 0.45, reputation: 0.35, price: 0.1, operatorSpread: 0.1 },
      operatorShareCapBp: 10_000,
    },
    [api.Tier.TIER_STANDARD]: {
      weights: { latency: 0.25, reputation: 0.25, price: 0.25, operatorSpread: 0.25 },
      operatorShareCapBp: 6_000,
    },
    [api.Tier.TIER_BATCH]: {
      weights: { latency: 0.05, reputation: 0.15, price: 0.45, operatorSpread: 0.35 },
      operatorShareCapBp: 4_000,
    },
    [api.Tier.TIER_TRAINING]: {
      weights: { latency: 0.05, reputation: 0.25, price: 0.4, operatorSpread: 0.3 },
      operatorShareCapBp: 5_000,
    },
  },
  maxAttempts: 3,
  recordedCandidatesLimit: 32,
  acceptedHealth: [api.HealthStatus.HEALTH_STATUS_HEALTHY, api.HealthStatus.HEALTH_STATUS_DEGRADED],
  reputation: { priorWeight: 10, priorRateBp: 8_000, lossWeight: 3, misclaimWeight: 2, degradedRetentionBp: 7_500 },
  scales: { latencyHalfMs: 50, priceHalfBaseUnits: '2000000', priceHalfByGpuClass: {} },
  liveness: { heartbeatIntervalMs: 10_000, suspectAfterMissed: 2, lostAfterMissed: 6 },
  tenantRules: {},
  // The first policy waited for ever; kept so its decisions replay the same.
  patience: {
    startTimeoutMs: { [api.Tier.TIER_REALTIME]: 0, [api.Tier.TIER_STANDARD]: 0, [api.Tier.TIER_TRAINING]: 0, [api.Tier.TIER_BATCH]: 0 },
    notHeldGraceIntervals: 0,
    relaxExclusionAfterMs: 0,
    failUnplaceableAfterMs: 0,
  },
};

/**
 * placement-2026-12 (kept so its decisions stay verifiable). Same scoring as placement-2025-01; patience (start timeouts,
 * reconciliation, stranded jobs: docs/failure-categories.md) is new; a decision records its best 8
 * candidates instead of 32: the record is in every JobPlaced (about 300 bytes a candidate), so
 * at thousands of placements a second the long list was most of what the log carried and what
 * every consumer decoded, for runners-up nobody asks about past the first few.
 */
export const placementPolicy2026: PlacementPolicy = {
  ...placementPolicy2025,
  version: 'placement-2026-12',
  recordedCandidatesLimit: 8,
  // Interactive work is requeued fast when its provider does not start it; bulk work can wait.
  patience: {
    startTimeoutMs: {
      [api.Tier.TIER_REALTIME]: 15_000,
      [api.Tier.TIER_STANDARD]: 60_000,
      [api.Tier.TIER_TRAINING]: 600_000,
      [api.Tier.TIER_BATCH]: 300_000,
    },
    notHeldGraceIntervals: 2,
    relaxExclusionAfterMs: 60_000,
    failUnplaceableAfterMs: 600_000,
  },
};

/**
 * The policy in force: placement-2026-12 plus locality. For a job that declares inputs, two terms
 * join the score: transfer_time (REALTIME cares: a cold start is latency) and transfer_price
 * (BATCH and TRAINING care: moving a dataset can cost more than the GPUs). A job without inputs is
 * scored exactly as under placement-2026-12.
 */
export const defaultPlacementPolicy: PlacementPolicy = {
  ...placementPolicy2026,
  version: 'placement-2026-12-locality',
  tiers: {
    [api.Tier.TIER_REALTIME]: {
      ...placementPolicy2026.tiers[api.Tier.TIER_REALTIME],
      weights: { ...placementPolicy2026.tiers[api.Tier.TIER_REALTIME].weights, transferTime: 0.3, transferPrice: 0 },
    },
    [api.Tier.TIER_STANDARD]: {
      ...placementPolicy2026.tiers[api.Tier.TIER_STANDARD],
      weights: { ...placementPolicy2026.tiers[api.Tier.TIER_STANDARD].weights, transferTime: 0.15, transferPrice: 0.15 },
    },
    [api.Tier.TIER_BATCH]: {
      ...placementPolicy2026.tiers[api.Tier.TIER_BATCH],
      weights: { ...placementPolicy2026.tiers[api.Tier.TIER_BATCH].weights, transferTime: 0, transferPrice: 0.35 },
    },
    [api.Tier.TIER_TRAINING]: {
      ...placementPolicy2026.tiers[api.Tier.TIER_TRAINING],
      weights: { ...placementPolicy2026.tiers[api.Tier.TIER_TRAINING].weights, transferTime: 0.05, transferPrice: 0.35 },
    },
  },
  scales: { ...placementPolicy2026.scales, transferTimeHalfMs: 60_000, transferPriceHalfBaseUnits: '1000000', defaultIngressMbps: 1_000 },
};

/** Every policy version placement has shipped, by version (replay verify looks a record's version up here). */
export const PLACEMENT_POLICY_VERSIONS: ReadonlyMap<string, PlacementPolicy> = new Map(
  [placementPolicy2025, placementPolicy2026, defaultPlacementPolicy].map((p) => [p.version, p]),
);

export function isPlacedTier(tier: api.Tier): tier is PlacedTier {
  return (PLACED_TIERS as readonly api.Tier[]).includes(tier);
}
