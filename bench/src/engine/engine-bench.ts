// The placement engine alone, in this process: the scheduler's in-memory state (registry,
// candidate index, waiting queue) over a synthetic fleet, and the real deciders. Measures one
// decision at a time (p50/p99 per decision, decisions/s) at several fleet sizes, and a whole
// scheduling cycle placing a burst of jobs at once.
import { api } from '@switchyard/contracts';
import {
  defaultPlacementPolicy,
  nothingTouched,
  PlacementState,
  schedule,
  toTimestamp,
  tryPlacement,
  type PlacedTier,
  type PlacementPolicy,
  type RegistryEvent,
} from '@switchyard/placement/domain';
import { summarise, type LatencySummary } from '../stats.js';

export interface EngineFigures {
  readonly providers: number;
  readonly decisions: number;
  readonly decisionsPerSecond: number;
  readonly perDecision: LatencySummary;
  /** Providers the walk examined per decision, on average. */
  readonly examinedPerDecision: number;
}

export interface CycleFigures {
  readonly providers: number;
  readonly jobs: number;
  readonly placed: number;
  readonly cycleMs: number;
  readonly placedPerSecond: number;
}

const T0 = Date.parse('2026-12-01T00:00:00Z');
const REGIONS = [
  { region: 'eu-west', jurisdiction: 'EU' },
  { region: 'us-east', jurisdiction: 'US' },
  { region: 'ap-south', jurisdiction: 'IN' },
];
const CLASSES = ['l4-24g', 'a100-80g', 'h100-80g'];
const TIERS: PlacedTier[] = [api.Tier.TIER_REALTIME, api.Tier.TIER_STANDARD, api.Tier.TIER_BATCH];

/** A deterministic generator (mulberry32), so every run builds the same fleet. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Distinct datasets in the bench fleet: each held by n / DATASETS providers. */
export const DATASETS = 500;

export function benchDigest(n: number): string {
  return `sha256:${n.toString(16).padStart(64, '0')}`;
}

/** A fleet of `n` providers (one operator per 50 providers, at least 20), folded into a fresh state. */
export function fleetState(n: number, policy: PlacementPolicy = defaultPlacementPolicy, gpusPerProvider = 8): PlacementState {
  const rnd = random(n);
  const state = PlacementState.empty(policy);
  const operators = Math.max(20, Math.floor(n / 50));
  for (let i = 0; i < n; i++) {
    const place = REGIONS[i % REGIONS.length]!;
    const event: RegistryEvent = {
      type: 'ProviderRegistered',
      data: {
        providerId: `prv_${i.toString().padStart(6, '0')}`,
        operatorId: `op-${i % operators}`,
        region: place.region,
        jurisdiction: place.jurisdiction,
        gpus: [{ gpuClass: CLASSES[i % CLASSES.length]!, count: gpusPerProvider, vramGib: 80 }],
        pricePerGpuHourBaseUnits: String(900_000 + Math.floor(rnd() * 2_300_000)),
        advertisedLatencyMs: 10 + Math.floor(rnd() * 190),
        endpoint: `sim://bench-${i}`,
        registeredAt: toTimestamp(T0),
        ingressMbps: 1_000 + Math.floor(rnd() * 24_000),
        transferPricePerGbBaseUnits: String(10_000 + Math.floor(rnd() * 90_000)),
        // Each of DATASETS datasets is held by one provider in DATASETS (the locality term's holders).
        heldDigests: [benchDigest(i % DATASETS)],
      },
    };
    state.apply(event);
  }
  return state;
}

/** What the measured jobs ask for: one GPU, one GPU and a 50 GB dataset, or a 16-GPU gang that may span one operator's providers in a region. */
export type Workload = 'plain' | 'inputs' | 'gang';

function jobSpec(i: number, workload: Workload = 'plain'): api.JobSpec {
  const withInputs = workload === 'inputs';
  if (workload === 'gang') {
    return api.JobSpec.fromPartial({
      kind: api.WorkloadKind.WORKLOAD_KIND_TRAINING,
      gpuClass: CLASSES[i % CLASSES.length]!,
      gpuCount: 16,
      minVramGib: 40,
      estimatedDurationSeconds: 3_600,
      gangDomain: api.GangDomain.GANG_DOMAIN_OPERATOR_REGION,
    });
  }
  return api.JobSpec.fromPartial({
    // A 50 GB dataset, preferred where it is held (by providers / DATASETS providers of the fleet).
    inputs: withInputs
      ? [
          {
            digest: benchDigest(i % DATASETS),
            kind: api.DataKind.DATA_KIND_DATASET,
            sizeBytes: '50000000000',
            locality: api.Locality.LOCALITY_PREFERRED,
          },
        ]
      : [],
    kind: api.WorkloadKind.WORKLOAD_KIND_INFERENCE,
    gpuClass: CLASSES[i % CLASSES.length]!,
    gpuCount: 1,
    minVramGib: 40,
    maxLatencyMs: i % 3 === 0 ? 150 : 0,
    allowedRegions: i % 5 === 0 ? ['eu-west'] : [],
    estimatedDurationSeconds: 600,
  });
}

function submitAndClassify(state: PlacementState, jobId: string, i: number, workload: Workload = 'plain'): void {
  const tenantId = `tenant-${i % 50}`;
  state.apply({
    type: 'JobSubmitted',
    data: {
      jobId,
      tenantId,
      tenantPlan: 'standard',
      spec: jobSpec(i, workload),
      idempotencyKey: jobId,
      quote: undefined,
      submittedAt: toTimestamp(T0 + i),
    },
  });
  state.apply({
    type: 'JobClassified',
    data: {
      jobId,
      tier: workload === 'gang' ? api.Tier.TIER_TRAINING : TIERS[i % TIERS.length]!,
      policyVersion: 'bench',
      matchedRuleId: 'bench',
      reasons: [],
      classifiedAt: toTimestamp(T0 + i),
    },
  });
}

/**
 * One decision at a time against a fleet of `providers`: each job is submitted, classified and
 * decided, and its placement applied, so the fleet fills as it would. Jobs complete after a
 * while (a window of running jobs at half the fleet's GPUs), so capacity never runs out.
 */
export function measureDecisions(providers: number, decisions: number, workload: Workload = 'plain'): EngineFigures {
  const state = fleetState(providers);
  // Running jobs hold about half the fleet's GPUs (8 per provider): 4 one-GPU jobs or a quarter of a 16-GPU gang per provider.
  const live = workload === 'gang' ? Math.floor(providers / 4) : Math.floor(providers * 4);
  const running: { jobId: string; providerId: string }[] = [];
  const samples: number[] = [];
  let examined = 0;
  for (let i = 0; i < decisions; i++) {
    const jobId = `job-${i}`;
    submitAndClassify(state, jobId, i, workload);
    const job = state.registry.jobs.get(jobId)!;
    const started = performance.now();
    const decision = tryPlacement(
      { jobId, tenantId: job.tenantId, tier: job.tier!, spec: job.spec, attempt: 1, excludedProviderIds: [], at: toTimestamp(T0 + i) },
      state.registry,
      state.index,
      state.policy,
    );
    samples.push(performance.now() - started);
    if (decision?.type !== 'JobPlaced') continue;
    const record = decision.data.decision!;
    examined += record.candidatesTotal + record.rejections.reduce((n, r) => n + r.count, 0);
    state.apply(decision);
    running.push({ jobId, providerId: decision.data.providerId });
    if (running.length > live) {
      const done = running.shift()!;
      state.apply({
        type: 'JobCompleted',
        data: { jobId: done.jobId, attempt: 1, providerId: done.providerId, resultHash: 'h', completedAt: toTimestamp(T0 + i) },
      });
    }
  }
  const perDecision = summarise(samples);
  return {
    providers,
    decisions,
    perDecision,
    decisionsPerSecond: 1000 / perDecision.mean,
    examinedPerDecision: examined / Math.max(1, decisions),
  };
}

/** One scheduling cycle: `jobs` classified at once, placed in one pass against `providers`. */
export function measureCycle(providers: number, jobs: number): CycleFigures {
  const state = fleetState(providers, defaultPlacementPolicy, Math.max(8, Math.ceil((jobs * 1.5) / providers)));
  const newlyWaiting = new Map<string, api.Timestamp>();
  for (let i = 0; i < jobs; i++) {
    const jobId = `burst-${i}`;
    submitAndClassify(state, jobId, i);
    newlyWaiting.set(jobId, toTimestamp(T0 + i));
  }
  const started = performance.now();
  const decisions = schedule(
    state,
    { newlyWaiting, grownClasses: new Set(), retryAll: false, at: toTimestamp(T0 + jobs) },
    nothingTouched(),
  );
  const cycleMs = performance.now() - started;
  const placed = decisions.filter((d) => d.type === 'JobPlaced').length;
  return { providers, jobs, placed, cycleMs, placedPerSecond: (placed * 1000) / cycleMs };
}
