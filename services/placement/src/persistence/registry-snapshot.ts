// Builds the pure deciders' ProviderRegistry from the tables, inside the caller's transaction.
// Under READ COMMITTED each statement sees the latest commits, so a decision retried after a lost
// reservation race decides on fresh state.
import type { EntityManager } from 'typeorm';
import { emptyRegistry, type ActiveJob, type ProviderRegistry } from '../domain/index.js';
// Not re-exported by the domain's index; the key format must be the fold's own.
import { operatorKey } from '../domain/registry/provider-registry.js';
import { activeJobOf, jobsInStates, HOLDING_STATES, WAITING_STATES } from './job-rows.js';
import { allProviders, providerStateOf, reservedByProvider } from './provider-rows.js';

export async function loadRegistry(manager: EntityManager): Promise<ProviderRegistry> {
  const [providers, reserved, jobs] = [
    await allProviders(manager),
    await reservedByProvider(manager),
    await jobsInStates(manager, [...HOLDING_STATES, ...WAITING_STATES]),
  ];
  const activeJobs: Record<string, ActiveJob> = {};
  const activeJobsByOperator: Record<string, number> = {};
  for (const job of jobs) {
    activeJobs[job.jobId] = activeJobOf(job);
    if (HOLDING_STATES.includes(job.state) && job.tier !== undefined && job.operatorId !== undefined) {
      const key = operatorKey(job.tenantId, job.tier, job.operatorId);
      activeJobsByOperator[key] = (activeJobsByOperator[key] ?? 0) + 1;
    }
  }
  return {
    ...emptyRegistry,
    providers: Object.fromEntries(providers.map((p) => [p.providerId, providerStateOf(p, reserved.get(p.providerId) ?? {})])),
    jobs: activeJobs,
    activeJobsByOperator,
  };
}
