#!/usr/bin/env node
// switchyard-fleet: runs a simulated provider fleet against placement until SIGINT/SIGTERM.
// Configuration by environment (defaults in fleet-plan.ts): PLACEMENT_ADDRESS, FLEET_COUNT (the
// rotation; the gang domain's providers come on top), FLEET_SEED, FLEET_TIME_SCALE,
// FLEET_FAILURE_RATE, FLEET_VANISH_RATE, FLEET_VANISH_FOR_MS.
import { startTracing } from '@switchyard/telemetry';
import { defaultFleetConfig, type FleetConfig } from './fleet-plan.js';
import { startFleet } from './fleet.js';

// The providers' gRPC calls as CLIENT spans, exported as the services' are (OTEL_EXPORTER_OTLP_ENDPOINT).
const tracing = startTracing('provider-fleet');

function numberFrom(name: string, fallback: number, check: (n: number) => boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!check(value)) {
    process.stderr.write(`switchyard-fleet: ${name}=${raw} is not valid\n`);
    process.exit(2);
  }
  return value;
}

const rate = (n: number): boolean => n >= 0 && n <= 1;
const positive = (n: number): boolean => Number.isFinite(n) && n > 0;
const config: FleetConfig = {
  ...defaultFleetConfig,
  count: numberFrom('FLEET_COUNT', defaultFleetConfig.count, (n) => Number.isInteger(n) && n > 0 && n <= 500),
  seed: numberFrom('FLEET_SEED', defaultFleetConfig.seed, Number.isInteger),
  timeScale: numberFrom('FLEET_TIME_SCALE', defaultFleetConfig.timeScale, positive),
  failureRate: numberFrom('FLEET_FAILURE_RATE', defaultFleetConfig.failureRate, rate),
  vanishRate: numberFrom('FLEET_VANISH_RATE', defaultFleetConfig.vanishRate, rate),
  vanishForMs: numberFrom('FLEET_VANISH_FOR_MS', defaultFleetConfig.vanishForMs, positive),
  forgetRate: numberFrom('FLEET_FORGET_RATE', defaultFleetConfig.forgetRate ?? 0, rate),
};
const address = process.env.PLACEMENT_ADDRESS ?? '127.0.0.1:50053';
const log = (message: string): void => void process.stderr.write(`${message}\n`);

try {
  const fleet = await startFleet(config, address, log);
  log(`fleet of ${fleet.providers.length} providers running against ${address}`);
  const stop = (): void => {
    fleet.stop();
    void tracing.shutdown().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  log(`switchyard-fleet: could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
