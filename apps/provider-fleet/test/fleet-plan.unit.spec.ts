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

  it('has one operator with several providers of one GPU class in one region: a gang larger than any one provider can be placed there', () => {
    for (const seed of [42, 7, 1234]) {
      const fleet = planFleet({ ...defaultFleetConfig, seed });
      const domain = fleet.filter((p) => p.operatorId === 'op-north' && p.region === 'eu-west' && p.gpuClass === 'a100-80g');
      expect(domain.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...fleet.map((p) => p.gpus))).toBeLessThan(16);
      expect(domain.reduce((gpus, p) => gpus + p.gpus, 0)).toBeGreaterThanOrEqual(16);
      expect(new Set(fleet.map((p) => p.name)).size).toBe(fleet.length);
    }
  });

  it('adds the gang domain after the rotation, leaving the rotation as it was', () => {
    const fleet = planFleet(defaultFleetConfig);
    expect(fleet).toHaveLength(defaultFleetConfig.count + 2);
    expect(fleet.slice(0, defaultFleetConfig.count)).toEqual(planFleet({ ...defaultFleetConfig, gangDomain: undefined }));
    expect(fleet.slice(defaultFleetConfig.count).map((p) => [p.name, p.gpus])).toEqual([
      ['sim-eu-west-7', 8],
      ['sim-eu-west-8', 8],
    ]);
  });

  it("plans only the rotation for a config whose operators or classes do not include the gang domain's", () => {
    const config = {
      ...defaultFleetConfig,
      count: 4,
      operators: [{ operatorId: 'op-other', apiKey: 'k' }],
      gpuClasses: [{ gpuClass: 'l4-24g', vramGib: 24 }],
    };
    expect(planFleet(config)).toHaveLength(4);
  });

  it('refuses a fleet without operators', () => {
    expect(() => planFleet({ ...defaultFleetConfig, operators: [] })).toThrow(/operator/);
  });
});
