import { describe, expect, it } from '@jest/globals';
import { events } from '@switchyard/contracts/messages';
import { keyFields } from './key-fields.js';

describe('timeline key fields', () => {
  it('a placement shows its provider, and a gang split over providers every member with its GPUs', () => {
    const placed = (gangMembers: { providerId: string; gpuCount: number }[]) =>
      events.JobPlaced.toJSON({ jobId: 'j', providerId: 'p1', operatorId: 'op', attempt: 1, decision: undefined, gangMembers }) as never;
    expect(keyFields('JobPlaced', placed([]))).toBe('provider=p1 operator=op attempt=1');
    expect(
      keyFields(
        'JobPlaced',
        placed([
          { providerId: 'p1', gpuCount: 8 },
          { providerId: 'p2', gpuCount: 8 },
        ]),
      ),
    ).toBe('provider=p1 operator=op attempt=1 gang=p1x8,p2x8');
  });
});
