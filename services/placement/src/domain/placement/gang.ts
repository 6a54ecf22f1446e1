import { api } from '@switchyard/contracts/messages';
import { freeGpus, type ProviderState } from '../registry/provider-registry.js';

// Gangs: a job's `gpu_count` GPUs placed all-or-nothing in one decision. On one provider (the
// default) a gang is just a provider with that many free GPUs. A gang that may span providers
// (GANG_DOMAIN_OPERATOR_REGION) is placed on several providers of one operator in one region:
// a provider passes the capacity step with one free GPU, and its domain (operator + region)
// passes only if its surviving providers have the gang's GPUs free together. The chosen candidate
// is the lead; the members are taken from its domain. See docs/placement-scoring.md, "Gangs".

/** Whether the job's GPUs may be split over providers of one operator and region. */
export function spansProviders(spec: api.JobSpec): boolean {
  return spec.gangDomain === api.GangDomain.GANG_DOMAIN_OPERATOR_REGION && spec.gpuCount > 1;
}

/** GPUs a provider must have free to pass the capacity step: the whole job, or one for a gang that may span providers. */
export function gpusPerProvider(spec: api.JobSpec): number {
  return spansProviders(spec) ? 1 : Math.max(1, spec.gpuCount);
}

/** The gang domain a provider belongs to. */
export function domainOf(provider: Pick<ProviderState, 'operatorId' | 'region'>): string {
  return `${provider.operatorId}\n${provider.region}`;
}

/**
 * Survivors of the per-provider steps split by domain: those in a domain whose members have the
 * gang's GPUs free together are kept (in the given order), the rest rejected. `largestBlock` is
 * the most free GPUs any domain has together (the fragmentation line of a queued gang).
 */
export function feasibleDomains<T>(
  survivors: readonly T[],
  providerOf: (t: T) => ProviderState,
  spec: api.JobSpec,
): { kept: T[]; rejected: number; largestBlock: number } {
  const free = new Map<string, number>();
  for (const survivor of survivors) {
    const provider = providerOf(survivor);
    const key = domainOf(provider);
    free.set(key, (free.get(key) ?? 0) + freeGpus(provider, spec.gpuClass));
  }
  const needed = Math.max(1, spec.gpuCount);
  const kept = survivors.filter((s) => free.get(domainOf(providerOf(s)))! >= needed);
  return { kept, rejected: survivors.length - kept.length, largestBlock: Math.max(0, ...free.values()) };
}

/**
 * The members of a gang led by `lead`: the lead first with as many GPUs as it has free (up to the
 * gang's), then the other providers of its domain among `pool`, most free GPUs first (fewer
 * members, fewer links between them; ties in `pool`'s order), each giving what it has free until
 * the gang is complete. Undefined if the domain cannot complete it (the filter kept only domains
 * that can). One member when the lead alone has every GPU.
 */
export function gangMembers(lead: ProviderState, pool: readonly ProviderState[], spec: api.JobSpec): api.GangMember[] | undefined {
  const needed = Math.max(1, spec.gpuCount);
  const domain = domainOf(lead);
  const members: api.GangMember[] = [{ providerId: lead.providerId, gpuCount: Math.min(needed, freeGpus(lead, spec.gpuClass)) }];
  let remaining = needed - members[0]!.gpuCount;
  const others = pool
    .filter((p) => p.providerId !== lead.providerId && domainOf(p) === domain)
    .map((provider, order) => ({ provider, order, free: freeGpus(provider, spec.gpuClass) }))
    .sort((a, b) => b.free - a.free || a.order - b.order);
  for (const { provider, free } of others) {
    if (remaining === 0) break;
    if (free === 0) continue;
    const take = Math.min(free, remaining);
    members.push({ providerId: provider.providerId, gpuCount: take });
    remaining -= take;
  }
  return remaining === 0 ? members : undefined;
}
