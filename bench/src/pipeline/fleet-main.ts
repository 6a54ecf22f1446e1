#!/usr/bin/env node
// The benchmark's provider fleet, in its own process so its gRPC work does not share an event
// loop with the load generator: BENCH_FLEET (JSON) describes it; prints `ready <n>` when every
// provider has registered and follows its assignment stream.
import { defaultFleetConfig, startFleet, type FleetConfig } from '@switchyard/provider-fleet';

interface FleetSpec {
  readonly placement: string;
  readonly providers: number;
  readonly operators: readonly { operatorId: string; apiKey: string }[];
  readonly gpuClass: string;
  readonly gpusPerProvider: readonly [number, number];
  /** Simulated seconds per real second. */
  readonly timeScale: number;
}

const spec = JSON.parse(process.env.BENCH_FLEET ?? '{}') as FleetSpec;
const config: FleetConfig = {
  ...defaultFleetConfig,
  count: spec.providers,
  operators: spec.operators,
  gpuClasses: [{ gpuClass: spec.gpuClass, vramGib: 24 }],
  gpusPerProvider: spec.gpusPerProvider,
  latencyMs: [10, 200],
  failureRate: 0,
  vanishRate: 0,
  timeScale: spec.timeScale,
  seed: 7,
};
const quiet = (): void => undefined;
const fleet = await startFleet(config, spec.placement, quiet);
process.stdout.write(`ready ${fleet.providers.length}\n`);
const stop = (): void => {
  fleet.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
