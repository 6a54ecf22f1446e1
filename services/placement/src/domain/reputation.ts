import { api } from '@switchyard/contracts/messages';
import type { ReputationParameters } from './placement-policy.js';
import type { ProviderState } from './registry/provider-registry.js';

/**
 * Reputation in basis points (0..10000), integer math only:
 *
 *   floor((completions × 10000 + priorWeight × priorRateBp)
 *         / (completions + failures + lossWeight × losses + misclaimWeight × misclaims + priorWeight))
 *
 * A new provider starts at priorRateBp; every completion pulls it towards 10000, every failure,
 * (heavier) every loss and every misclaimed holding (an input it advertised, then fetched)
 * towards 0. A DEGRADED provider keeps degradedRetentionBp of it, so the
 * recorded reputation already carries the health penalty and a replay needs no health input.
 */
export function reputationBp(provider: ProviderState, parameters: ReputationParameters): number {
  const { completions, failures, losses, misclaims } = provider.track;
  const numerator = completions * 10_000 + parameters.priorWeight * parameters.priorRateBp;
  const denominator =
    completions + failures + parameters.lossWeight * losses + parameters.misclaimWeight * misclaims + parameters.priorWeight;
  const smoothed = denominator <= 0 ? 0 : Math.min(10_000, Math.floor(numerator / denominator));
  return provider.health === api.HealthStatus.HEALTH_STATUS_DEGRADED
    ? Math.floor((smoothed * parameters.degradedRetentionBp) / 10_000)
    : smoothed;
}
