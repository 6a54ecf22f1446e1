import type { PlacementPolicy } from '../placement-policy.js';
import { operatorHolding, type ProviderRegistry, type ProviderState } from '../registry/provider-registry.js';
import type { PlacementRequest } from './placement-request.js';

/**
 * The operator share cap: an operator may not hold more than the tier's cap of the tenant's active
 * work in the tier once this job is placed, i.e. (held + 1) / (total + 1) > cap rejects.
 *
 * Decision: when every survivor would breach the cap, none is rejected. The cap exists so no
 * operator holds a tenant hostage; queueing the job because only that operator has capacity
 * would do exactly that. The spread factor still prefers the operator with the smallest share.
 * With few active jobs every operator breaches (the first job is 100% of one operator), so the
 * fallback is also what lets a tenant's first jobs run at all.
 */
export function breachesShareCap(
  provider: ProviderState,
  registry: ProviderRegistry,
  request: PlacementRequest,
  policy: PlacementPolicy,
): boolean {
  const capBp = policy.tiers[request.tier].operatorShareCapBp;
  const { held, total } = operatorHolding(registry, request.tenantId, request.tier, provider.operatorId);
  return (held + 1) * 10_000 > capBp * (total + 1);
}

export function applyOperatorShareCap(
  survivors: readonly ProviderState[],
  registry: ProviderRegistry,
  request: PlacementRequest,
  policy: PlacementPolicy,
): { kept: ProviderState[]; rejected: number } {
  const kept = survivors.filter((p) => !breachesShareCap(p, registry, request, policy));
  return kept.length === 0 ? { kept: [...survivors], rejected: 0 } : { kept, rejected: survivors.length - kept.length };
}
