// A recorded history made the way the services make it: every decision comes from running the
// real deciders (classifyJob, placeJob, nextQueuedJobs, requeueAfterLoss/Failure) over a registry
// folded from the events already emitted. Seeded, so a run is reproducible. Provider churn:
// providers register late, degrade, fail jobs, vanish (ProviderLost -> JobRequeued -> placed
// elsewhere) and come back.
import { api, events } from '@switchyard/contracts';
import type { EventEnvelope, JsonValue } from '@switchyard/event-log';
import { classifyJob, type TierPolicy } from '@switchyard/classifier/domain';
import {
  evolveProviders,
  jobsHeldBy,
  newRegistry,
  PlacementState,
  placeJob,
  schedule,
  registryEventOfJobEnvelope,
  registryEventOfProviderEnvelope,
  requeueAfterFailure,
  requeueAfterLoss,
  type PlacementPolicy,
  type ProviderRegistry,
} from '@switchyard/placement/domain';

export interface Workload {
  readonly jobs: EventEnvelope[];
  readonly providers: EventEnvelope[];
  readonly usage: EventEnvelope[];
  readonly stats: { jobs: number; placed: number; queued: number; requeued: number; lost: number; registered: number; failed: number };
  /** A job that was requeued after its provider vanished and placed again. */
  readonly requeuedJobId: string | undefined;
  /** A job placed on the first attempt with at least two candidates. */
  readonly contestedJobId: string | undefined;
}

const SOURCES = { intake: '/switchyard/intake', classifier: '/switchyard/classifier', placement: '/switchyard/placement' };
const GPU_CLASSES = ['a100-80g', 'h100-80g', 'l4'] as const;
const REGIONS = [
  { region: 'eu-west', jurisdiction: 'EU' },
  { region: 'eu-central', jurisdiction: 'EU' },
  { region: 'us-east', jurisdiction: 'US' },
] as const;
const OPERATORS = ['northgrid', 'tulip', 'atlantic', 'sierra', 'kestrel'];
const TENANTS = [
  { id: 'acme', plan: 'enterprise' },
  { id: 'globex', plan: 'standard' },
  { id: 'initech', plan: 'premium' },
  { id: 'umbrella', plan: 'standard' },
];

export interface WorkloadOptions {
  readonly jobs: number;
  readonly seed: number;
  readonly tierPolicy: TierPolicy;
  readonly placementPolicy: PlacementPolicy;
  /** Job ids as intake makes them (UUIDs, which its tables require) instead of readable `job-00042`. */
  readonly uuidJobIds?: boolean;
}

export function generateWorkload(options: WorkloadOptions): Workload {
  const random = mulberry32(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const out = { jobs: [] as EventEnvelope[], providers: [] as EventEnvelope[], usage: [] as EventEnvelope[] };
  const stats = { jobs: 0, placed: 0, queued: 0, requeued: 0, lost: 0, registered: 0, failed: 0 };
  let registry: ProviderRegistry = newRegistry();
  let clockMs = Date.parse('2026-11-24T08:00:00.000Z');
  let eventSeq = 0;
  let requeuedJobId: string | undefined;
  let contestedJobId: string | undefined;
  const lostProviders: events.ProviderRegistered[] = [];
  const registrations = new Map<string, events.ProviderRegistered>();
  const running: { jobId: string; providerId: string; attempt: number; doneAtMs: number }[] = [];

  const at = (): api.Timestamp => ({ seconds: String(Math.floor(clockMs / 1000)), nanos: (clockMs % 1000) * 1_000_000 });
  const envelope = (member: string, subject: string, data: unknown, source: string): EventEnvelope => ({
    id: `evt-${options.seed}-${++eventSeq}`,
    type: `switchyard.events.v1.${member.charAt(0).toUpperCase()}${member.slice(1)}`,
    source,
    subject,
    time: new Date(clockMs).toISOString(),
    correlationId: subject,
    data: data as JsonValue,
  });
  const jobEvent = (event: events.JobEvent, subject: string, source = SOURCES.placement) => {
    const member = Object.keys(event).find((k) => event[k as keyof events.JobEvent] !== undefined)!;
    out.jobs.push(envelope(member, subject, events.JobEvent.toJSON(event), source));
    const folded = registryEventOfJobEnvelope(event);
    if (folded !== undefined && folded !== 'ignored') registry = evolveProviders(registry, folded);
  };
  const providerEvent = (event: events.ProviderEvent, subject: string) => {
    const member = Object.keys(event).find((k) => event[k as keyof events.ProviderEvent] !== undefined)!;
    out.providers.push(envelope(member, subject, events.ProviderEvent.toJSON(event), SOURCES.placement));
    const folded = registryEventOfProviderEnvelope(event);
    if (folded !== undefined) registry = evolveProviders(registry, folded);
  };

  const placed = (data: events.JobPlaced) => {
    jobEvent({ jobPlaced: data }, data.jobId);
    stats.placed += 1;
    running.push({ jobId: data.jobId, providerId: data.providerId, attempt: data.attempt, doneAtMs: clockMs + between(20, 240) * 1000 });
    if (contestedJobId === undefined && data.attempt === 1 && (data.decision?.candidates.length ?? 0) >= 3) contestedJobId = data.jobId;
    if (data.attempt > 1 && requeuedJobId === undefined) requeuedJobId = data.jobId;
  };
  const decide = (jobId: string) => {
    const job = registry.jobs.get(jobId);
    if (job === undefined || job.tier === undefined) return;
    const decision = placeJob(
      {
        jobId,
        tenantId: job.tenantId,
        tier: job.tier,
        spec: job.spec,
        attempt: job.attempt,
        excludedProviderIds: job.excludedProviderIds,
        at: at(),
      },
      registry,
      options.placementPolicy,
    );
    if (decision.type === 'JobPlaced') placed(decision.data);
    else {
      jobEvent({ jobQueued: decision.data }, jobId);
      stats.queued += 1;
    }
  };
  // The scheduler's pass over the queued jobs, on the registry itself: each placement is folded
  // before the next job is tried (the fold then ignores the same JobPlaced emitted again).
  const drainQueue = () => {
    const state = PlacementState.of(registry, options.placementPolicy);
    const pass = { newlyWaiting: new Map(), grownClasses: new Set<string>(), retryAll: true, at: at() };
    for (const decision of schedule(state, pass, { providers: new Set(), jobs: new Set(), grownClasses: new Set(), released: new Set() })) {
      if (decision.type === 'JobPlaced') placed(decision.data);
    }
  };
  const requeue = (outcomes: ReturnType<typeof requeueAfterLoss>) => {
    for (const outcome of outcomes) {
      if (outcome.type === 'JobRequeued') {
        jobEvent({ jobRequeued: outcome.data }, outcome.data.jobId);
        stats.requeued += 1;
        decide(outcome.data.jobId);
      } else {
        jobEvent({ jobFailed: outcome.data }, outcome.data.jobId);
        stats.failed += 1;
      }
    }
  };

  let providerSeq = 0;
  const registerProvider = (again?: events.ProviderRegistered) => {
    const { region, jurisdiction } = pick(REGIONS);
    const gpuClass = pick(GPU_CLASSES);
    const registered: events.ProviderRegistered = again
      ? { ...again, registeredAt: at() }
      : {
          providerId: `prov-${region}-${++providerSeq}`,
          operatorId: pick(OPERATORS),
          region,
          jurisdiction,
          gpus: [{ gpuClass, count: pick([4, 8, 8, 16]), vramGib: gpuClass === 'l4' ? 24 : 80 }],
          pricePerGpuHourBaseUnits: String(between(8, 30) * 100_000),
          advertisedLatencyMs: between(8, 120),
          endpoint: `https://provider-${providerSeq}.example`,
          registeredAt: at(),
          ingressMbps: 0,
          transferPricePerGbBaseUnits: '0',
          heldDigests: [],
        };
    registrations.set(registered.providerId, registered);
    providerEvent({ providerRegistered: registered }, registered.providerId);
    stats.registered += 1;
  };
  for (let i = 0; i < 12; i++) registerProvider();

  for (let n = 1; n <= options.jobs; n++) {
    clockMs += between(1, 6) * 1000;

    // Finished work frees capacity; now and then the provider fails the attempt instead.
    for (const run of running.filter((r) => r.doneAtMs <= clockMs)) {
      running.splice(running.indexOf(run), 1);
      const job = registry.jobs.get(run.jobId);
      if (job === undefined || job.providerId !== run.providerId || job.attempt !== run.attempt) continue;
      if (random() < 0.05) {
        requeue(
          requeueAfterFailure(
            {
              jobId: run.jobId,
              providerId: run.providerId,
              attempt: run.attempt,
              category: api.FailureCategory.FAILURE_CATEGORY_HARDWARE,
              retryable: true,
              message: 'GPU fell off the bus',
              at: at(),
            },
            registry,
            options.placementPolicy,
          ),
        );
        continue;
      }
      jobEvent({ jobStarted: { jobId: run.jobId, attempt: run.attempt, providerId: run.providerId, startedAt: at() } }, run.jobId);
      const report = `report-${run.jobId}-${run.attempt}`;
      out.usage.push(
        envelope(
          'usageReported',
          run.jobId,
          events.UsageEvent.toJSON({
            usageReported: {
              reportId: report,
              jobId: run.jobId,
              attempt: run.attempt,
              providerId: run.providerId,
              amounts: { gpuMilliseconds: String(between(10, 900) * 1000), tokens: '0', bytes: '0', fetchedBytes: '0' },
              reportedAt: at(),
              failed: false,
              fault: events.Fault.FAULT_UNSPECIFIED,
            },
          }),
          SOURCES.placement,
        ),
      );
      jobEvent(
        {
          jobCompleted: {
            jobId: run.jobId,
            attempt: run.attempt,
            providerId: run.providerId,
            resultHash: `sha256:${run.jobId}`,
            completedAt: at(),
          },
        },
        run.jobId,
      );
    }

    // Churn every few dozen jobs: a provider vanishes, a new or lost one (re-)registers, one degrades.
    if (n % 37 === 0) {
      const active = [...registry.providers.values()].filter((p) => p.status === 'ACTIVE' && jobsHeldBy(registry, p.providerId).length > 0);
      const victim = active.length > 0 ? pick(active) : undefined;
      if (victim) {
        const lost: events.ProviderLost = {
          providerId: victim.providerId,
          lastHeartbeatAt: at(),
          jobIds: jobsHeldBy(registry, victim.providerId),
          lostAt: at(),
        };
        providerEvent({ providerLost: lost }, victim.providerId);
        stats.lost += 1;
        lostProviders.push(registrations.get(victim.providerId)!);
        requeue(requeueAfterLoss(lost, registry, options.placementPolicy));
      }
    }
    if (n % 53 === 0) {
      registerProvider(lostProviders.length > 0 && random() < 0.5 ? lostProviders.shift() : undefined);
      drainQueue();
    }
    if (n % 71 === 0) {
      const healthy = [...registry.providers.values()].filter((p) => p.status === 'ACTIVE');
      const provider = healthy.length > 0 ? pick(healthy) : undefined;
      if (provider) {
        providerEvent(
          {
            providerCapacityChanged: {
              providerId: provider.providerId,
              totalGpus: provider.totalGpus,
              gpusInUse: provider.reportedGpusInUse,
              health: random() < 0.5 ? api.HealthStatus.HEALTH_STATUS_DEGRADED : api.HealthStatus.HEALTH_STATUS_HEALTHY,
              heartbeatSequence: String(n),
              changedAt: at(),
              addedDigests: [],
              evictedDigests: [],
            },
          },
          provider.providerId,
        );
      }
    }
    drainQueue();

    // The new job: intake's JobSubmitted, the classifier's JobClassified, placement's decision.
    const jobId = options.uuidJobIds ? `0193a8e2-0000-7000-8000-${String(n).padStart(12, '0')}` : `job-${String(n).padStart(5, '0')}`;
    const tenant = pick(TENANTS);
    const kind = pick([
      api.WorkloadKind.WORKLOAD_KIND_INFERENCE,
      api.WorkloadKind.WORKLOAD_KIND_INFERENCE,
      api.WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE,
      api.WorkloadKind.WORKLOAD_KIND_PIPELINE_STEP,
      api.WorkloadKind.WORKLOAD_KIND_TRAINING,
    ]);
    const region = pick(REGIONS);
    const spec: api.JobSpec = {
      kind,
      dependsOn: [],
      gangDomain: api.GangDomain.GANG_DOMAIN_UNSPECIFIED,
      modelRef: 'meta-llama/Llama-3.1-8B-Instruct@main',
      gpuClass: pick(GPU_CLASSES),
      gpuCount: kind === api.WorkloadKind.WORKLOAD_KIND_TRAINING ? pick([2, 4, 8]) : pick([1, 1, 2]),
      minVramGib: pick([16, 24, 40]),
      maxLatencyMs: kind === api.WorkloadKind.WORKLOAD_KIND_INFERENCE ? pick([0, 200, 800, 2500]) : pick([0, 0, 30_000]),
      allowedRegions: random() < 0.2 ? [region.region] : [],
      dataResidency: random() < 0.2 ? region.jurisdiction : '',
      maxPriceBaseUnits: random() < 0.2 ? String(between(2, 40) * 1_000_000) : '0',
      estimatedDurationSeconds: kind === api.WorkloadKind.WORKLOAD_KIND_TRAINING ? pick([3600, 21_600]) : pick([30, 600, 3600]),
      labels: {},
      inputs: [],
      deadline: random() < 0.3 ? { seconds: String(Math.floor(clockMs / 1000) + pick([3600, 7200, 172_800])), nanos: 0 } : undefined,
    };
    const submitted: events.JobSubmitted = {
      jobId,
      tenantId: tenant.id,
      tenantPlan: tenant.plan,
      spec,
      idempotencyKey: `idem-${jobId}`,
      quote: undefined,
      submittedAt: at(),
    };
    jobEvent({ jobSubmitted: submitted }, jobId, SOURCES.intake);
    jobEvent({ jobClassified: classifyJob(submitted, options.tierPolicy) }, jobId, SOURCES.classifier);
    stats.jobs += 1;
    decide(jobId);
  }
  return { ...out, stats, requeuedJobId, contestedJobId };
}

/** Small seeded PRNG: the same seed gives the same workload. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
