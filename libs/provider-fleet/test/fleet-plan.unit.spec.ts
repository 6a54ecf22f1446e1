import { describe, expect, it } from '@jest/globals';
import { defaultFleetConfig, planFleet } from '../src/index.js';

describe('planFleet', () => {
  it('given the same config, plans the same fleet', () => {
    expect(planFleet(defaultFleetConfig)).toEqual(planFleet(defaultFleetConfig));
  });

  it('given another seed, plans other prices and sizes but the same rotation of operators and regions', () => {
    const a = planFleet(defaultFleetConfig);
    const b = planFleet({ ...defaultFleetConfig, seed: 7 });
    expect(b.map((p) => [p.operatorId, p.region])).toEqual(a.map((p) => [p.operatorId, p.region]));
    expect(b.map((p) => p.pricePerGpuHourBaseUnits)).not.toEqual(a.map((p) => p.pricePerGpuHourBaseUnits));
  });

  it('spreads providers over every operator, region and GPU class, within the configured ranges', () => {
    const fleet = planFleet({ ...defaultFleetConfig, count: 9 });
    expect(new Set(fleet.map((p) => p.operatorId)).size).toBe(3);
    expect(new Set(fleet.map((p) => p.region)).size).toBe(3);
    expect(new Set(fleet.map((p) => p.gpuClass)).size).toBe(3);
    for (const p of fleet) {
      expect(p.gpus).toBeGreaterThanOrEqual(2);
      expect(p.gpus).toBeLessThanOrEqual(8);
      expect(Number.isInteger(p.pricePerGpuHourBaseUnits)).toBe(true);
    }
  });

  it('refuses a fleet without operators', () => {
    expect(() => planFleet({ ...defaultFleetConfig, operators: [] })).toThrow(/operator/);
  });
});
