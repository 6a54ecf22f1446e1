import type { api, events } from '@switchyard/contracts/messages';
import type { PlacementPolicy } from '../placement-policy.js';
import { requeueAfterFailure } from '../liveness/requeue.js';
import type { ProviderRegistry } from '../registry/provider-registry.js';
import type { JobFamilyEvent, RegistryEvent } from '../registry/registry-event.js';
import { toTimestamp } from '../time.js';

export type ReportKind = 'STARTED' | 'COMPLETED' | 'FAILED';

/** A validated report from the provider it names, with what the shell knows of the attempt. */
export interface ReportInput {
  readonly kind: ReportKind;
  readonly jobId: string;
  readonly attempt: number;
  readonly providerId: string;
  readonly receivedAtMs: number;
  /** Whether this attempt of the job was ever assigned to this provider. */
  readonly wasAssigned: boolean;
  /** Whether a report of this kind for this attempt was applied before. */
  readonly alreadyReported: boolean;
  readonly resultHash?: string;
  /** The completion's usage report id, if it carried usage. */
  readonly reportId?: string;
  /** Inputs the run fetched because the provider did not have them (completion). */
  readonly fetchedDigests?: readonly string[];
  /** Inputs the provider keeps after the run (completion). */
  readonly cachedDigests?: readonly string[];
  readonly failure?: { readonly category: api.FailureCategory; readonly retryable: boolean; readonly message: string };
}

export type ReportDecision =
  | { readonly kind: 'not-found' }
  /** The same report again: acknowledged, nothing new. */
  | { readonly kind: 'duplicate' }
  /** The attempt is no longer current on this provider (requeued, cancelled, expired, finished otherwise). */
  | { readonly kind: 'not-current'; readonly jobState: string; readonly jobAttempt: number }
  | { readonly kind: 'applied'; readonly events: RegistryEvent[] };

/**
 * A report is applied only by the provider holding that attempt now. Started after the job
 * completed changes nothing; a failure is requeued elsewhere or fails the job (requeueAfterFailure).
 */
export function decideReport(registry: ProviderRegistry, input: ReportInput, policy: PlacementPolicy): ReportDecision {
  if (!input.wasAssigned) return { kind: 'not-found' };
  if (input.alreadyReported) return { kind: 'duplicate' };
  const job = registry.jobs.get(input.jobId);
  const current =
    job !== undefined &&
    job.attempt === input.attempt &&
    job.providerId === input.providerId &&
    (job.state === 'PLACED' || job.state === 'RUNNING');
  if (!current) return { kind: 'not-current', jobState: job?.state ?? 'FINISHED', jobAttempt: job?.attempt ?? input.attempt };
  const at = toTimestamp(input.receivedAtMs);
  const attempt = { jobId: input.jobId, attempt: input.attempt, providerId: input.providerId };
  switch (input.kind) {
    case 'STARTED':
      return { kind: 'applied', events: job.state === 'PLACED' ? [{ type: 'JobStarted', data: { ...attempt, startedAt: at } }] : [] };
    case 'COMPLETED': {
      const completed: RegistryEvent = { type: 'JobCompleted', data: { ...attempt, resultHash: input.resultHash ?? '', completedAt: at } };
      const inputs = inputsReported(
        registry,
        input,
        job.spec.inputs.map((i) => i.digest),
        at,
      );
      return { kind: 'applied', events: inputs === undefined ? [completed] : [completed, inputs] };
    }
    case 'FAILED': {
      const failure = input.failure!;
      const outcomes = requeueAfterFailure({ ...attempt, ...failure, at }, registry, policy);
      return {
        kind: 'applied',
        events: outcomes.map((o): JobFamilyEvent =>
          o.type === 'JobRequeued' ? { type: 'JobRequeued', data: o.data } : { type: 'JobFailed', data: o.data },
        ),
      };
    }
    default: {
      const unexpected: never = input.kind;
      throw new Error(`unknown report kind ${String(unexpected)}`);
    }
  }
}

/**
 * What a completion says about the job's inputs on its provider (only digests that are inputs of
 * the job count): the ones it keeps and did not hold are added to its holdings; the ones it held
 * by its own account yet fetched are a broken claim. Undefined when neither happened.
 */
function inputsReported(
  registry: ProviderRegistry,
  input: ReportInput,
  jobInputs: readonly string[],
  at: api.Timestamp,
): RegistryEvent | undefined {
  const provider = registry.providers.get(input.providerId);
  if (provider === undefined) return undefined;
  const ofJob = (digests: readonly string[] | undefined): string[] =>
    [...new Set((digests ?? []).filter((d) => jobInputs.includes(d)))].sort();
  const misclaimedDigests = ofJob(input.fetchedDigests).filter((d) => provider.heldDigests.has(d));
  // A misclaimed input the run kept is held now: it is re-added (an eviction that is also added stays).
  const addedDigests = ofJob(input.cachedDigests).filter((d) => !provider.heldDigests.has(d) || misclaimedDigests.includes(d));
  if (addedDigests.length === 0 && misclaimedDigests.length === 0) return undefined;
  return {
    type: 'ProviderInputsReported',
    data: {
      providerId: input.providerId,
      jobId: input.jobId,
      attempt: input.attempt,
      reportId: input.reportId ?? '',
      addedDigests,
      misclaimedDigests,
      reportedAt: at,
    },
  };
}

/** What a cancel request does: JobCancelled for a job still active, nothing otherwise. */
export function decideCancel(
  registry: ProviderRegistry,
  request: events.JobCancelRequested,
  at: api.Timestamp,
): events.JobCancelled | undefined {
  const job = registry.jobs.get(request.jobId);
  if (job === undefined) return undefined;
  const holding = job.state === 'PLACED' || job.state === 'RUNNING';
  return {
    jobId: job.jobId,
    attempt: job.attempt,
    providerId: holding ? (job.providerId ?? '') : '',
    reason: request.reason,
    cancelledAt: at,
  };
}
