import { events } from '@switchyard/contracts';
import type { PlacementPolicy } from '../placement-policy.js';
import { operatorShareBp, freeGpus, type ProviderRegistry, type ProviderState } from '../registry/provider-registry.js';
import { reputationBp } from '../reputation.js';
import { FILTER_STEPS } from './filter-steps.js';
import { applyOperatorShareCap } from './operator-share-cap.js';
import type { PlacementRequest } from './placement-request.js';
import { describeRejections } from './rejection-summary.js';
import { rankCandidates, type ScoringCandidate } from './score.js';

export type PlacementDecision =
  | { type: 'JobPlaced'; data: events.JobPlaced }
  | { type: 'JobQueued'; data: events.JobQueued };

/**
 * Decides where one attempt of a job runs: filter every registered provider (a rejection count
 * per reason, in the order of FILTER_STEPS, then the operator share cap), score the survivors with
 * the tier's weights, take the best. No survivor: the job is queued with the reasons.
 */
export function placeJob(request: PlacementRequest, registry: ProviderRegistry, policy: PlacementPolicy): PlacementDecision {
  const providers = Object.values(registry.providers).sort((a, b) => compareIds(a.providerId, b.providerId));
  const { survivors, rejections } = filterProviders(providers, registry, request, policy);

  if (survivors.length === 0) {
    return {
      type: 'JobQueued',
      data: {
        jobId: request.jobId,
        attempt: request.attempt,
        reasons: describeRejections(rejections, request.spec, providers.length),
        rejections,
        policyVersion: policy.version,
        queuedAt: { ...request.at },
      },
    };
  }

  const context = { jobId: request.jobId, tier: request.tier, gpuClass: request.spec.gpuClass };
  const ranked = rankCandidates(survivors.map((p) => candidateOf(p, registry, request, policy)), context, policy);
  const chosen = ranked[0]!;
  return {
    type: 'JobPlaced',
    data: {
      jobId: request.jobId,
      providerId: chosen.providerId,
      operatorId: chosen.operatorId,
      attempt: request.attempt,
      decision: {
        policyVersion: policy.version,
        tier: request.tier,
        decidedAt: { ...request.at },
        candidates: ranked.slice(0, Math.max(1, policy.recordedCandidatesLimit)),
        candidatesTotal: ranked.length,
        rejections,
        chosenProviderId: chosen.providerId,
        chosenScore: chosen.score,
        excludedProviderIds: [...request.excludedProviderIds],
        providersNotExamined: 0,
      },
    },
  };
}

export function filterProviders(
  providers: readonly ProviderState[],
  registry: ProviderRegistry,
  request: PlacementRequest,
  policy: PlacementPolicy,
): { survivors: ProviderState[]; rejections: events.RejectionCount[] } {
  const counts = new Map<events.RejectionReason, number>();
  const passed = providers.filter((provider) => {
    const step = FILTER_STEPS.find((s) => s.rejects(provider, request, policy));
    if (step !== undefined) counts.set(step.reason, (counts.get(step.reason) ?? 0) + 1);
    return step === undefined;
  });
  const { kept, rejected } = applyOperatorShareCap(passed, registry, request, policy);
  if (rejected > 0) counts.set(events.RejectionReason.REJECTION_REASON_OPERATOR_SHARE_CAP, rejected);
  // Map iteration follows first insertion; order by filter step instead so records are canonical.
  const order = [...FILTER_STEPS.map((s) => s.reason), events.RejectionReason.REJECTION_REASON_OPERATOR_SHARE_CAP];
  const rejections = order.flatMap((reason) => {
    const count = counts.get(reason);
    return count === undefined ? [] : [{ reason, count }];
  });
  return { survivors: kept, rejections };
}

function candidateOf(provider: ProviderState, registry: ProviderRegistry, request: PlacementRequest, policy: PlacementPolicy): ScoringCandidate {
  return {
    providerId: provider.providerId,
    operatorId: provider.operatorId,
    factors: {
      region: provider.region,
      advertisedLatencyMs: provider.advertisedLatencyMs,
      reputationBp: reputationBp(provider, policy.reputation),
      pricePerGpuHourBaseUnits: provider.pricePerGpuHour.toString(),
      operatorShareBp: operatorShareBp(registry, request.tenantId, request.tier, provider.operatorId),
      freeGpus: freeGpus(provider, request.spec.gpuClass),
    },
  };
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
