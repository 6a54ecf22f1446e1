// What the simulated fleet looks like: derived deterministically from a seed, so a run can be
// repeated. Every number is configurable; the defaults make a small three-region network, with
// one operator that has several providers of one GPU class in one region (for gangs).
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

export interface FleetConfig {
  /** Providers to register in the rotation of operators, regions and GPU classes. */
  readonly count: number;
  readonly regions: readonly { readonly region: string; readonly jurisdiction: string }[];
  /** Operators and the API keys they register with (placement's operator credentials). */
  readonly operators: readonly { readonly operatorId: string; readonly apiKey: string }[];
  readonly gpuClasses: readonly { readonly gpuClass: string; readonly vramGib: number }[];
  /** GPUs per provider, inclusive range. */
  readonly gpusPerProvider: readonly [number, number];
  /** Asking price per GPU-hour in base units, inclusive range. */
  readonly pricePerGpuHourBaseUnits: readonly [number, number];
  /** Advertised latency in ms, inclusive range. */
  readonly latencyMs: readonly [number, number];
  /** Probability, per assignment, that the provider reports a (retryable) failure. */
  readonly failureRate: number;
  /** Probability, per assignment, that the provider vanishes: no heartbeats, no reports. */
  readonly vanishRate: number;
  /** How long a vanished provider stays away before heartbeating again. */
  readonly vanishForMs: number;
  /**
   * Probability, per assignment, that the provider silently loses one job input it holds (a
   * cache wiped without an eviction in its heartbeat): the next run that needs it fetches it
   * and says so, and placement counts a misclaimed holding. 0 when unset.
   */
  readonly forgetRate?: number;
  /**
   * Providers registered besides the rotation, all of one operator, region and GPU class and of
   * one size: a domain where a gang split over providers (GANG_DOMAIN_OPERATOR_REGION) larger than
   * any one provider can be placed. Left out when the config has no such operator, region or
   * class (a config with operators or classes of its own plans only its rotation). None when unset.
   */
  readonly gangDomain?: {
    readonly operatorId: string;
    readonly region: string;
    readonly gpuClass: string;
    readonly providers: number;
    readonly gpusPerProvider: number;
  };
  /** Simulated seconds per real second: a 60 s job runs for 1 s at 60. */
  readonly timeScale: number;
  readonly seed: number;
}

export const defaultFleetConfig: FleetConfig = {
  count: 6,
  regions: [
    { region: 'eu-west', jurisdiction: 'EU' },
    { region: 'us-east', jurisdiction: 'US' },
    { region: 'ap-south', jurisdiction: 'IN' },
  ],
  operators: [
    { operatorId: 'op-north', apiKey: 'dev-operator-north-key' },
    { operatorId: 'op-south', apiKey: 'dev-operator-south-key' },
    { operatorId: 'op-east', apiKey: 'dev-operator-east-key' },
  ],
  gpuClasses: [
    { gpuClass: 'a100-80g', vramGib: 80 },
    { gpuClass: 'h100-80g', vramGib: 80 },
    { gpuClass: 'l4-24g', vramGib: 24 },
  ],
  gpusPerProvider: [2, 8],
  pricePerGpuHourBaseUnits: [900_000, 3_200_000],
  latencyMs: [15, 180],
  failureRate: 0.05,
  vanishRate: 0.02,
  vanishForMs: 30_000,
  forgetRate: 0.01,
  // With the rotation's first provider (op-north, eu-west, a100-80g, 2 to 8 GPUs) at least 18
  // a100-80g of one operator in one region: a 16-GPU gang can be placed.
  gangDomain: { operatorId: 'op-north', region: 'eu-west', gpuClass: 'a100-80g', providers: 2, gpusPerProvider: 8 },
  timeScale: 60,
  seed: 42,
};

export interface ProviderPlan {
  readonly name: string;
  readonly operatorId: string;
  readonly apiKey: string;
  readonly region: string;
  readonly jurisdiction: string;
  readonly gpuClass: string;
  readonly vramGib: number;
  readonly gpus: number;
  readonly pricePerGpuHourBaseUnits: number;
  readonly latencyMs: number;
  /** Seed of this provider's own behaviour (failures, vanishing, usage figures). */
  readonly seed: number;
}

const pick = <T>(rng: RandomGenerator, items: readonly T[]): T => items[uniformInt(rng, 0, items.length - 1)]!;

/**
 * The fleet's providers, the same for the same config. Regions, operators and classes rotate so
 * each gets some; the gang domain's providers follow.
 */
export function planFleet(config: FleetConfig): ProviderPlan[] {
  if (config.operators.length === 0 || config.regions.length === 0 || config.gpuClasses.length === 0) {
    throw new Error('a fleet needs at least one operator, region and GPU class');
  }
  const rng = xoroshiro128plus(config.seed);
  const rotation = Array.from({ length: config.count }, (_, i): ProviderPlan => {
    const operator = config.operators[i % config.operators.length]!;
    const place = config.regions[Math.floor(i / config.operators.length) % config.regions.length]!;
    const gpu = i < config.gpuClasses.length ? config.gpuClasses[i]! : pick(rng, config.gpuClasses);
    return {
      name: `sim-${place.region}-${i + 1}`,
      operatorId: operator.operatorId,
      apiKey: operator.apiKey,
      region: place.region,
      jurisdiction: place.jurisdiction,
      gpuClass: gpu.gpuClass,
      vramGib: gpu.vramGib,
      gpus: uniformInt(rng, ...config.gpusPerProvider),
      pricePerGpuHourBaseUnits: uniformInt(rng, ...config.pricePerGpuHourBaseUnits),
      latencyMs: uniformInt(rng, ...config.latencyMs),
      seed: uniformInt(rng, 1, 2 ** 31 - 1),
    };
  });
  return [...rotation, ...gangDomainOf(config, rng)];
}

/** The gang domain's providers, numbered after the rotation's; none if the config lacks its operator, region or class. */
function gangDomainOf(config: FleetConfig, rng: RandomGenerator): ProviderPlan[] {
  const domain = config.gangDomain;
  const operator = config.operators.find((o) => o.operatorId === domain?.operatorId);
  const place = config.regions.find((r) => r.region === domain?.region);
  const gpu = config.gpuClasses.find((g) => g.gpuClass === domain?.gpuClass);
  if (domain === undefined || operator === undefined || place === undefined || gpu === undefined) return [];
  return Array.from({ length: domain.providers }, (_, i) => ({
    name: `sim-${place.region}-${config.count + i + 1}`,
    operatorId: operator.operatorId,
    apiKey: operator.apiKey,
    region: place.region,
    jurisdiction: place.jurisdiction,
    gpuClass: gpu.gpuClass,
    vramGib: gpu.vramGib,
    gpus: domain.gpusPerProvider,
    pricePerGpuHourBaseUnits: uniformInt(rng, ...config.pricePerGpuHourBaseUnits),
    latencyMs: uniformInt(rng, ...config.latencyMs),
    seed: uniformInt(rng, 1, 2 ** 31 - 1),
  }));
}
