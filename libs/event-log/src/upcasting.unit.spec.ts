import { describe, expect, it } from '@jest/globals';
import type { EventEnvelope, JsonValue } from './envelope.js';
import { UpcasterRegistry, type Upcaster } from './upcasting.js';

// A sample event whose shape changed twice:
// (none) { gpu: "A100" }  ->  v2 { gpuClass: "A100" }  ->  v3 { gpuClass: "A100", gpuCount: "1" }
const TYPE = 'switchyard.events.v1.ProviderRegistered';
const renameGpu: Upcaster = {
  type: TYPE,
  from: undefined,
  to: 'v2',
  upcast: (data) => {
    const { gpu, ...rest } = data as { gpu: JsonValue };
    return { ...rest, gpuClass: gpu };
  },
};
const defaultGpuCount: Upcaster = {
  type: TYPE,
  from: 'v2',
  to: 'v3',
  upcast: (data) => ({ gpuCount: '1', ...(data as Record<string, JsonValue>) }),
};

function event(data: JsonValue, dataschema?: string): EventEnvelope {
  return {
    id: 'e1',
    type: TYPE,
    source: '/test',
    subject: 'p1',
    time: '2025-01-01T00:00:00Z',
    data,
    ...(dataschema ? { dataschema } : {}),
  };
}

describe('UpcasterRegistry', () => {
  const registry = new UpcasterRegistry([renameGpu, defaultGpuCount]);

  it('given an unversioned event, when read, then both upcasters apply in order', () => {
    const upcast = registry.upcast(event({ providerId: 'p1', gpu: 'A100' }));
    expect(upcast.dataschema).toBe('v3');
    expect(upcast.data).toEqual({ providerId: 'p1', gpuClass: 'A100', gpuCount: '1' });
  });

  it('given a v2 event, then only the v2 -> v3 upcaster applies', () => {
    expect(registry.upcast(event({ gpuClass: 'H100', gpuCount: '8' }, 'v2')).data).toEqual({ gpuClass: 'H100', gpuCount: '8' });
  });

  it('given a current event or another type, then it comes back unchanged', () => {
    const current = event({ gpuClass: 'L4', gpuCount: '2' }, 'v3');
    expect(registry.upcast(current)).toBe(current);
    const other = { ...event({ gpu: 'A100' }), type: 'switchyard.events.v1.JobSubmitted' };
    expect(registry.upcast(other)).toBe(other);
  });

  it('keeps the other envelope attributes', () => {
    const upcast = registry.upcast({ ...event({ gpu: 'A100' }), causationId: 'c1', correlationId: 'r1' });
    expect(upcast).toMatchObject({ id: 'e1', subject: 'p1', causationId: 'c1', correlationId: 'r1' });
  });

  it('refuses two upcasters for the same (type, dataschema) and detects cycles', () => {
    expect(() => new UpcasterRegistry([renameGpu, { ...renameGpu, to: 'v9' }])).toThrow('already registered');
    const loop = new UpcasterRegistry([
      { type: TYPE, from: 'a', to: 'b', upcast: (d) => d },
      { type: TYPE, from: 'b', to: 'a', upcast: (d) => d },
    ]);
    expect(() => loop.upcast(event({}, 'a'))).toThrow('cycle');
  });
});
