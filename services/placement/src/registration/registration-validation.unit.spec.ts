import { describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts';
import { InvalidRequest } from '../rejections.js';
import { validateRegistration } from './registration-validation.js';

const valid: api.RegisterProviderRequest = {
  operatorId: 'op-north',
  region: 'eu-west',
  jurisdiction: 'EU',
  gpus: [{ gpuClass: 'a100-80g', count: 4, vramGib: 80 }],
  pricePerGpuHourBaseUnits: '1500000',
  advertisedLatencyMs: 20,
  endpoint: 'https://gpu1.example.net:8443',
  ingressMbps: 0,
  transferPricePerGbBaseUnits: '0',
  heldDigests: [],
};

function violations(request: api.RegisterProviderRequest): string[] {
  try {
    validateRegistration(request);
    return [];
  } catch (error) {
    if (!(error instanceof InvalidRequest)) throw error;
    return error.violations.map((v) => `${v.field}: ${v.description}`);
  }
}

describe('RegisterProvider validation', () => {
  it('accepts a complete offer', () => {
    expect(violations(valid)).toEqual([]);
  });

  it('names every offending field at once, by proto path', () => {
    expect(
      violations({
        ...valid,
        region: '',
        endpoint: 'gpu1',
        pricePerGpuHourBaseUnits: '-5',
        gpus: [
          { gpuClass: 'a100-80g', count: 0, vramGib: 80 },
          { gpuClass: 'a100-80g', count: 1, vramGib: 0 },
        ],
      }),
    ).toEqual([
      'region: required',
      'endpoint: must be an absolute URL',
      'gpus[0].count: must be at least 1',
      'gpus[1].gpu_class: a100-80g is listed twice',
      'gpus[1].vram_gib: must be at least 1',
      'price_per_gpu_hour_base_units: must not be negative',
    ]);
    expect(violations({ ...valid, gpus: [] })).toEqual(['gpus: at least one GPU class is required']);
  });
});
