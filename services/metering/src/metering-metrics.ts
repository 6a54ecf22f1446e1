// What metering counts as it prices usage (names in @switchyard/telemetry's switchyardMetrics).
// Counted inside the pricing transaction: an attempt whose commit then fails is counted too,
// which is rare (the runtime retries only what threw) and errs on the side of more.
import type { events } from '@switchyard/contracts';
import { counter, switchyardMetrics, SWITCHYARD_ATTRIBUTES } from '@switchyard/telemetry';

const metered = counter(switchyardMetrics.USAGE_METERED);
const gpuTime = counter(switchyardMetrics.USAGE_GPU_TIME);
const priced = counter(switchyardMetrics.USAGE_PRICED);

export function countMetered(usage: events.UsageMetered): void {
  const attributes = { [SWITCHYARD_ATTRIBUTES.tier]: usage.tier, [SWITCHYARD_ATTRIBUTES.gpuClass]: usage.gpuClass };
  metered.add(1, attributes);
  gpuTime.add(Number(usage.amounts?.gpuMilliseconds ?? 0) / 1000, attributes);
  priced.add(Number(usage.tenantChargeBaseUnits), attributes);
}
