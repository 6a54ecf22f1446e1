// What the simulated fleet looks like: derived deterministically from a seed, so a run can be
// repeated. Every number is configurable; the defaults make a small three-region network.
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

export interface FleetConfig {
  /** Providers to register. */
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

/** The fleet's providers, the same for the same config. Regions, operators and classes rotate so each gets some. */
export function planFleet(config: FleetConfig): ProviderPlan[] {
  if (config.operators.length === 0 || config.regions.length === 0 || config.gpuClasses.length === 0) {
    throw new Error('a fleet needs at least one operator, region and GPU class');
  }
  const rng = xoroshiro128plus(config.seed);
  return Array.from({ length: config.count }, (_, i) => {
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
}
