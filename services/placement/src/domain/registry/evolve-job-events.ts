import { api, events } from '@switchyard/contracts';
import { isPlacedTier } from '../placement-policy.js';
import { toEpochMillis } from '../time.js';
import { updateProvider } from './evolve-provider-events.js';
import { operatorKey, type ActiveJob, type ProviderRegistry } from './provider-registry.js';
import type { JobFamilyEvent } from './registry-event.js';

// Job events matter to the registry for three things: the jobs waiting to be placed, the GPUs and
// operator shares held by placed and running jobs, and providers' track records. Events about a
// job the registry never saw submitted change nothing (the registry is folded from the log start).

export function evolveJobEvent(state: ProviderRegistry, event: JobFamilyEvent): ProviderRegistry {
  switch (event.type) {
    case 'JobSubmitted': {
      const { jobId, tenantId, spec, submittedAt } = event.data;
      if (state.jobs[jobId] !== undefined || spec === undefined) return state;
      const job: ActiveJob = {
        jobId,
        tenantId,
        tier: undefined,
        spec,
        state: 'SUBMITTED',
        attempt: 1,
        providerId: undefined,
        operatorId: undefined,
        excludedProviderIds: [],
        submittedAtMs: toEpochMillis(submittedAt),
      };
      return withJob(state, job);
    }
    case 'JobClassified':
      return updateJob(state, event.data.jobId, (job) => ({
        ...job,
        tier: isPlacedTier(event.data.tier) ? event.data.tier : undefined,
        state: 'CLASSIFIED',
      }));
    case 'JobQueued':
      return updateJob(state, event.data.jobId, (job) => ({ ...job, state: 'QUEUED', attempt: event.data.attempt }));
    case 'JobPlaced':
      return placed(state, event.data);
    case 'JobStarted':
      return updateJob(state, event.data.jobId, (job) => (job.state === 'PLACED' ? { ...job, state: 'RUNNING' } : job));
    case 'JobRequeued':
      return requeued(state, event.data);
    case 'JobCompleted':
      return finished(credit(state, event.data.jobId, event.data.providerId, 'completions'), event.data.jobId);
    case 'JobFailed': {
      const { jobId, providerId, source, category } = event.data;
      const providerAtFault = source === events.FailureSource.FAILURE_SOURCE_PROVIDER && category !== api.FailureCategory.FAILURE_CATEGORY_WORKLOAD;
      return finished(providerAtFault ? credit(state, jobId, providerId, 'failures') : state, jobId);
    }
    case 'JobCancelled':
    case 'JobExpired':
      return finished(state, event.data.jobId);
    default: {
      const unexpected: never = event;
      throw new Error(`unhandled job event ${JSON.stringify(unexpected)}`);
    }
  }
}

function placed(state: ProviderRegistry, data: events.JobPlaced): ProviderRegistry {
  const job = state.jobs[data.jobId];
  if (job === undefined) return state;
  // A redelivered JobPlaced for the attempt already held must not take the GPUs twice.
  if ((job.state === 'PLACED' || job.state === 'RUNNING') && job.attempt === data.attempt) return state;
  const released = release(state, job);
  const tier = job.tier ?? (data.decision !== undefined && isPlacedTier(data.decision.tier) ? data.decision.tier : undefined);
  const holding = { ...job, tier, state: 'PLACED' as const, attempt: data.attempt, providerId: data.providerId, operatorId: data.operatorId };
  return hold(withJob(released, holding), holding);
}

function requeued(state: ProviderRegistry, data: events.JobRequeued): ProviderRegistry {
  const job = state.jobs[data.jobId];
  if (job === undefined) return state;
  const providerAtFault =
    data.reason === events.RequeueReason.REQUEUE_REASON_PROVIDER_FAILED ||
    data.reason === events.RequeueReason.REQUEUE_REASON_START_TIMEOUT;
  // A lost provider is charged once by ProviderLost, not once per job it held.
  const charged = providerAtFault && job.providerId !== undefined ? credit(state, job.jobId, job.providerId, 'failures') : state;
  return withJob(release(charged, job), {
    ...job,
    state: 'REQUEUED',
    attempt: data.attempt,
    providerId: undefined,
    operatorId: undefined,
    excludedProviderIds: [...data.excludedProviderIds],
  });
}

function finished(state: ProviderRegistry, jobId: string): ProviderRegistry {
  const job = state.jobs[jobId];
  if (job === undefined) return state;
  const released = release(state, job);
  const { [jobId]: _gone, ...jobs } = released.jobs;
  return { ...released, jobs };
}

function credit(state: ProviderRegistry, jobId: string, providerId: string, counter: 'completions' | 'failures'): ProviderRegistry {
  if (state.jobs[jobId] === undefined || providerId === '') return state;
  return updateProvider(state, providerId, (p) => ({ ...p, track: { ...p.track, [counter]: p.track[counter] + 1 } }));
}

function hold(state: ProviderRegistry, job: ActiveJob): ProviderRegistry {
  return adjustHolding(state, job, +1);
}

function release(state: ProviderRegistry, job: ActiveJob): ProviderRegistry {
  if (job.state !== 'PLACED' && job.state !== 'RUNNING') return state;
  return adjustHolding(state, job, -1);
}

function adjustHolding(state: ProviderRegistry, job: ActiveJob, direction: 1 | -1): ProviderRegistry {
  if (job.providerId === undefined) return state;
  const { gpuClass, gpuCount } = job.spec;
  const withGpus = updateProvider(state, job.providerId, (p) => ({
    ...p,
    placedGpusByClass: { ...p.placedGpusByClass, [gpuClass]: Math.max(0, (p.placedGpusByClass[gpuClass] ?? 0) + direction * gpuCount) },
  }));
  if (job.tier === undefined || job.operatorId === undefined) return withGpus;
  const key = operatorKey(job.tenantId, job.tier, job.operatorId);
  const count = Math.max(0, (withGpus.activeJobsByOperator[key] ?? 0) + direction);
  const { [key]: _old, ...others } = withGpus.activeJobsByOperator;
  return { ...withGpus, activeJobsByOperator: count === 0 ? others : { ...others, [key]: count } };
}

function withJob(state: ProviderRegistry, job: ActiveJob): ProviderRegistry {
  return { ...state, jobs: { ...state.jobs, [job.jobId]: job } };
}

function updateJob(state: ProviderRegistry, jobId: string, change: (job: ActiveJob) => ActiveJob): ProviderRegistry {
  const job = state.jobs[jobId];
  return job === undefined ? state : withJob(state, change(job));
}
