// Data locality: what a provider would have to fetch of a job's inputs, how long that takes at its
// ingress bandwidth and what it costs at its transfer price. Integers (bigint) throughout: the
// recorded factors are exact, and the score terms are computed from them (see score.ts).
import { api, dependencyOutputKey, transferPrice } from '@switchyard/contracts/messages';
import type { PlacedTier, PlacementPolicy } from '../placement-policy.js';
import type { ProviderState } from '../registry/provider-registry.js';
import { transferNormalised } from './score.js';

/** A job's inputs as placement uses them: one entry per digest. */
export interface JobInputs {
  /** Digest → size in bytes (a digest listed twice counts once, at its largest size). */
  readonly sizes: ReadonlyMap<string, bigint>;
  readonly totalBytes: bigint;
  /** Digests with LOCALITY_REQUIRED, sorted. */
  readonly required: readonly string[];
  /**
   * The outputs of completed dependencies (`dependencyOutputKey(job)` → the provider that produced
   * it): an input only that provider holds, weighed like any other.
   */
  readonly producedBy: ReadonlyMap<string, string>;
}

const NO_INPUTS: JobInputs = { sizes: new Map(), totalBytes: 0n, required: [], producedBy: new Map() };

/** A job's inputs: the data it names, and the stated outputs of the jobs it depends on (`producers`: who completed each). */
export function jobInputsOf(spec: api.JobSpec, producers: Readonly<Record<string, string>> = {}): JobInputs {
  const inputs = spec.inputs ?? [];
  const dependencies = spec.dependsOn ?? [];
  if (inputs.length === 0 && dependencies.length === 0) return NO_INPUTS;
  const sizes = new Map<string, bigint>();
  const required = new Set<string>();
  const producedBy = new Map<string, string>();
  for (const input of inputs) {
    const size = BigInt(input.sizeBytes || '0');
    if (size > (sizes.get(input.digest) ?? -1n)) sizes.set(input.digest, size);
    if (input.locality === api.Locality.LOCALITY_REQUIRED) required.add(input.digest);
  }
  for (const dependency of dependencies) {
    const size = BigInt(dependency.outputSizeBytes || '0');
    if (size === 0n) continue;
    const key = dependencyOutputKey(dependency.jobId);
    sizes.set(key, size);
    const producer = producers[dependency.jobId];
    if (producer !== undefined && producer !== '') producedBy.set(key, producer);
  }
  if (sizes.size === 0) return NO_INPUTS;
  let totalBytes = 0n;
  for (const size of sizes.values()) totalBytes += size;
  return { sizes, totalBytes, required: [...required].sort(), producedBy };
}

function holds(provider: ProviderState, inputs: JobInputs, digest: string): boolean {
  return provider.heldDigests.has(digest) || inputs.producedBy.get(digest) === provider.providerId;
}

/** What one provider would have to fetch. */
export interface Fetch {
  readonly bytes: bigint;
  readonly ms: bigint;
  readonly priceBaseUnits: bigint;
}

export function effectiveIngressMbps(provider: Pick<ProviderState, 'ingressMbps'>, policy: PlacementPolicy): number {
  return provider.ingressMbps > 0 ? provider.ingressMbps : Math.max(1, policy.scales.defaultIngressMbps ?? 1_000);
}

/** Milliseconds to move `bytes` at `mbps` megabits per second, rounded up. */
export function fetchMillis(bytes: bigint, mbps: number): bigint {
  if (bytes <= 0n) return 0n;
  const bitsPerMs = BigInt(mbps) * 1_000n;
  return (bytes * 8n + bitsPerMs - 1n) / bitsPerMs;
}

export function fetchAt(bytes: bigint, mbps: number, pricePerGb: bigint): Fetch {
  return { bytes, ms: fetchMillis(bytes, mbps), priceBaseUnits: transferPrice(bytes, pricePerGb) };
}

/** The bytes of `inputs` the provider does not hold, and their time and price at its rates. */
export function fetchFor(provider: ProviderState, inputs: JobInputs, policy: PlacementPolicy): Fetch {
  let bytes = inputs.totalBytes;
  if (provider.heldDigests.size > 0 || inputs.producedBy.size > 0)
    for (const [digest, size] of inputs.sizes) if (holds(provider, inputs, digest)) bytes -= size;
  return fetchAt(bytes, effectiveIngressMbps(provider, policy), provider.transferPricePerGb);
}

/**
 * The transfer_time and transfer_price contributions, computed as scoreBreakdown computes them
 * (weight × normalised of the recorded fetch_ms and transfer price), so a walk's total equals the
 * recorded total bit for bit.
 */
export function transferTerms(
  fetch: Pick<Fetch, 'ms' | 'priceBaseUnits'>,
  tier: PlacedTier,
  policy: PlacementPolicy,
): readonly [number, number] {
  const weights = policy.tiers[tier].weights;
  const normalised = transferNormalised(Number(fetch.ms), Number(fetch.priceBaseUnits), policy);
  return [(weights.transferTime ?? 0) * normalised.transfer_time, (weights.transferPrice ?? 0) * normalised.transfer_price];
}

/** Whether the provider holds every input the job requires. */
export function holdsRequired(provider: ProviderState, inputs: JobInputs): boolean {
  for (const digest of inputs.required) if (!provider.heldDigests.has(digest)) return false;
  return true;
}
