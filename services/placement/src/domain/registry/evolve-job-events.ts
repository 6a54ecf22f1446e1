import { api, decides, events } from '@switchyard/contracts/messages';
import { isPlacedTier } from '../placement-policy.js';
import { toEpochMillis } from '../time.js';
import { updateProvider } from './evolve-provider-events.js';
import {
  dependencyState,
  holdersOf,
  holdingKey,
  indexDependents,
  type ActiveJob,
  type JobOutcome,
  type ProviderRegistry,
} from './provider-registry.js';
import type { JobFamilyEvent } from './registry-event.js';

// Job events matter to the registry for three things: the jobs waiting to be placed, the GPUs and
// operator shares held by placed and running jobs, and providers' track records. Events about a
// job the registry never saw submitted change nothing (the registry is folded from the log start).

export function evolveJobEvent(state: ProviderRegistry, event: JobFamilyEvent): ProviderRegistry {
  switch (event.type) {
    case 'JobSubmitted': {
      const { jobId, tenantId, spec, submittedAt } = event.data;
      if (state.jobs.has(jobId) || spec === undefined) return state;
      const { waitingFor, producers } = dependencyState(spec, state.outcomes);
      const job: ActiveJob = {
        jobId,
        tenantId,
        tier: undefined,
        spec,
        state: 'SUBMITTED',
        attempt: 1,
        providerId: undefined,
        operatorId: undefined,
        gangMembers: [],
        excludedProviderIds: [],
        submittedAtMs: toEpochMillis(submittedAt),
        placedAtMs: 0,
        waitingSinceMs: 0,
        waitingFor,
        producers,
      };
      state.jobs.set(jobId, job);
      indexDependents(state, job, true);
      return state;
    }
    case 'JobClassified':
      return updateJob(state, event.data.jobId, (job) =>
        job.state === 'SUBMITTED'
          ? {
              ...job,
              tier: isPlacedTier(event.data.tier) ? event.data.tier : undefined,
              state: 'CLASSIFIED',
              waitingSinceMs: toEpochMillis(event.data.classifiedAt),
            }
          : job,
      );
    case 'JobQueued':
      return updateJob(state, event.data.jobId, (job) => ({ ...job, state: 'QUEUED', attempt: event.data.attempt }));
    case 'JobPlaced':
      return placed(state, event.data);
    case 'JobStarted':
      return updateJob(state, event.data.jobId, (job) =>
        job.state === 'PLACED' && job.attempt === event.data.attempt ? { ...job, state: 'RUNNING' } : job,
      );
    case 'JobRequeued':
      return requeued(state, event.data);
    case 'JobCompleted':
      return finished(
        credit(state, event.data.jobId, event.data.providerId, 'completions'),
        event.data.jobId,
        { state: 'COMPLETED', providerId: event.data.providerId },
        toEpochMillis(event.data.completedAt),
      );
    case 'JobFailed': {
      const { jobId, providerId, source, category, fault } = event.data;
      // Only a failure the provider reported counts here: a loss is counted once by ProviderLost.
      const reported = source === events.FailureSource.FAILURE_SOURCE_PROVIDER;
      const providerAtFault = reported && decides(fault, 'reputation', category !== api.FailureCategory.FAILURE_CATEGORY_WORKLOAD);
      return finished(
        providerAtFault ? credit(state, jobId, providerId, 'failures') : state,
        jobId,
        { state: 'FAILED', providerId: '' },
        0,
      );
    }
    case 'JobExclusionRelaxed':
      return updateJob(state, event.data.jobId, (job) =>
        job.attempt === event.data.attempt
          ? {
              ...job,
              excludedProviderIds: job.excludedProviderIds.filter((id) => !event.data.relaxedProviderIds.includes(id)),
              waitingSinceMs: toEpochMillis(event.data.relaxedAt),
            }
          : job,
      );
    case 'JobCancelled':
      return finished(state, event.data.jobId, { state: 'CANCELLED', providerId: '' }, 0);
    case 'JobExpired':
      return finished(state, event.data.jobId, { state: 'EXPIRED', providerId: '' }, 0);
    default: {
      const unexpected: never = event;
      throw new Error(`unhandled job event ${JSON.stringify(unexpected)}`);
    }
  }
}

function placed(state: ProviderRegistry, data: events.JobPlaced): ProviderRegistry {
  const job = state.jobs.get(data.jobId);
  if (job === undefined) return state;
  // A redelivered JobPlaced for the attempt already held must not take the GPUs twice.
  if ((job.state === 'PLACED' || job.state === 'RUNNING') && job.attempt === data.attempt) return state;
  release(state, job);
  const tier = job.tier ?? (data.decision !== undefined && isPlacedTier(data.decision.tier) ? data.decision.tier : undefined);
  const holding: ActiveJob = {
    ...job,
    tier,
    state: 'PLACED',
    attempt: data.attempt,
    providerId: data.providerId,
    operatorId: data.operatorId,
    gangMembers: data.gangMembers ?? [],
    placedAtMs: toEpochMillis(data.decision?.decidedAt),
  };
  state.jobs.set(holding.jobId, holding);
  adjustHolding(state, holding, +1);
  return state;
}

function requeued(state: ProviderRegistry, data: events.JobRequeued): ProviderRegistry {
  const job = state.jobs.get(data.jobId);
  // JobRequeued names the next attempt; anything else is a redelivery of an older requeue.
  if (job === undefined || data.attempt !== job.attempt + 1) return state;
  const R = events.RequeueReason;
  // A lost provider is charged once by ProviderLost, not once per job it held.
  const providerAtFault =
    data.reason !== R.REQUEUE_REASON_PROVIDER_LOST &&
    decides(data.fault, 'reputation', data.reason === R.REQUEUE_REASON_PROVIDER_FAILED || data.reason === R.REQUEUE_REASON_START_TIMEOUT);
  if (providerAtFault && job.providerId !== undefined) credit(state, job.jobId, job.providerId, 'failures');
  release(state, job);
  state.jobs.set(job.jobId, {
    ...job,
    state: 'REQUEUED',
    attempt: data.attempt,
    providerId: undefined,
    operatorId: undefined,
    gangMembers: [],
    excludedProviderIds: [...data.excludedProviderIds],
    placedAtMs: 0,
    waitingSinceMs: toEpochMillis(data.requeuedAt),
  });
  return state;
}

/**
 * The job leaves the registry; its outcome stays for the jobs that depend on it. A completion
 * frees its dependents of it (one that waited only for it waits for a provider again, from
 * `atMs`); a failure leaves them waiting for the cycle to fail them (a decision, not a fold).
 */
function finished(state: ProviderRegistry, jobId: string, outcome: JobOutcome, atMs: number): ProviderRegistry {
  const job = state.jobs.get(jobId);
  if (job === undefined) return state;
  release(state, job);
  state.jobs.delete(jobId);
  indexDependents(state, job, false);
  state.outcomes.set(jobId, outcome);
  if (outcome.state !== 'COMPLETED') return state;
  for (const dependentId of state.dependents.get(jobId) ?? []) {
    updateJob(state, dependentId, (dependent) => {
      const waitingFor = dependent.waitingFor.filter((id) => id !== jobId);
      const released = waitingFor.length === 0 && dependent.state === 'QUEUED';
      return {
        ...dependent,
        waitingFor,
        producers: { ...dependent.producers, [jobId]: outcome.providerId },
        ...(released ? { state: 'CLASSIFIED' as const, waitingSinceMs: atMs } : {}),
      };
    });
  }
  state.dependents.delete(jobId);
  return state;
}

function credit(state: ProviderRegistry, jobId: string, providerId: string, counter: 'completions' | 'failures'): ProviderRegistry {
  if (!state.jobs.has(jobId) || providerId === '') return state;
  return updateProvider(state, providerId, (p) => ({ ...p, track: { ...p.track, [counter]: p.track[counter] + 1 } }));
}

function release(state: ProviderRegistry, job: ActiveJob): void {
  if (job.state === 'PLACED' || job.state === 'RUNNING') adjustHolding(state, job, -1);
}

/** Takes (or gives back) the job's GPUs on each provider holding them; the tenant's operator share counts the job once. */
function adjustHolding(state: ProviderRegistry, job: ActiveJob, direction: 1 | -1): void {
  const holders = holdersOf(job);
  if (holders.length === 0) return;
  const { gpuClass } = job.spec;
  for (const { providerId, gpuCount } of holders) {
    updateProvider(state, providerId, (p) => ({
      ...p,
      placedGpusByClass: { ...p.placedGpusByClass, [gpuClass]: Math.max(0, (p.placedGpusByClass[gpuClass] ?? 0) + direction * gpuCount) },
    }));
    let held = state.heldBy.get(providerId);
    if (direction > 0) {
      if (held === undefined) state.heldBy.set(providerId, (held = new Set()));
      held.add(job.jobId);
    } else if (held !== undefined) {
      held.delete(job.jobId);
      if (held.size === 0) state.heldBy.delete(providerId);
    }
  }
  if (job.tier === undefined || job.operatorId === undefined) return;
  const key = holdingKey(job.tenantId, job.tier);
  let holdings = state.holdings.get(key);
  if (holdings === undefined) state.holdings.set(key, (holdings = { total: 0, byOperator: new Map() }));
  const count = Math.max(0, (holdings.byOperator.get(job.operatorId) ?? 0) + direction);
  holdings.total = Math.max(0, holdings.total + direction);
  if (count === 0) holdings.byOperator.delete(job.operatorId);
  else holdings.byOperator.set(job.operatorId, count);
  if (holdings.total === 0) state.holdings.delete(key);
}

function updateJob(state: ProviderRegistry, jobId: string, change: (job: ActiveJob) => ActiveJob): ProviderRegistry {
  const job = state.jobs.get(jobId);
  if (job !== undefined) state.jobs.set(jobId, change(job));
  return state;
}
