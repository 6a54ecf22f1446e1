import { planFleet, type FleetConfig } from './fleet-plan.js';
import { SimulatedProvider, type FleetLog } from './simulated-provider.js';

export interface RunningFleet {
  readonly providers: readonly SimulatedProvider[];
  stop(): void;
}

/** Registers every planned provider with placement and keeps them working until stopped. */
export async function startFleet(config: FleetConfig, placementAddress: string, log: FleetLog): Promise<RunningFleet> {
  const providers = planFleet(config).map((plan) => new SimulatedProvider(plan, config, placementAddress, log));
  try {
    for (const provider of providers) await provider.start();
  } catch (error) {
    for (const provider of providers) provider.stop();
    throw error;
  }
  return {
    providers,
    stop: () => providers.forEach((provider) => provider.stop()),
  };
}
