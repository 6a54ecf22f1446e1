// Values as people say them in human output (--json keeps the contract's own values): enum
// values without their prefix (INFERENCE, not WORKLOAD_KIND_INFERENCE) and money in tokens with
// its unit (1 token = 1,000,000 base units, docs/rate-card.md).
import { api, enumLabel } from '@switchyard/contracts/messages';

export { enumLabel as label };

export const BASE_UNITS_PER_TOKEN = 1_000_000n;
const DECIMALS = 6;

/** `4500000` -> `4.5 tokens`; `-1000` -> `-0.001 tokens`; exact for any int64 amount. */
export function tokens(baseUnits: string | bigint | number): string {
  const amount = BigInt(baseUnits);
  const sign = amount < 0n ? '-' : '';
  const magnitude = amount < 0n ? -amount : amount;
  const whole = (magnitude / BASE_UNITS_PER_TOKEN).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = (magnitude % BASE_UNITS_PER_TOKEN).toString().padStart(DECIMALS, '0').replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''} token${magnitude === BASE_UNITS_PER_TOKEN && sign === '' ? '' : 's'}`;
}

export const tierLabel = (tier: string): string => enumLabel(api.Tier, tier);
export const stateLabel = (state: string): string => enumLabel(api.JobState, state);
export const kindLabel = (kind: string): string => enumLabel(api.WorkloadKind, kind);
