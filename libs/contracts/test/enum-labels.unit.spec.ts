import { describe, expect, it } from '@jest/globals';
import { api, enumLabel, enumValueOf } from '../src/index.js';

describe('enum labels', () => {
  it('drops the prefix every value of the enum shares', () => {
    expect(enumLabel(api.WorkloadKind, 'WORKLOAD_KIND_BATCH_INFERENCE')).toBe('BATCH_INFERENCE');
    expect(enumLabel(api.JobState, 'JOB_STATE_QUEUED')).toBe('QUEUED');
    expect(enumLabel(api.Tier, 'TIER_REALTIME')).toBe('REALTIME');
    expect(enumLabel(api.Tier, 'something else')).toBe('something else');
  });

  it('reads a label back, in any case, with dashes or underscores, or the full value', () => {
    expect(enumValueOf(api.WorkloadKind, 'batch-inference')).toBe(api.WorkloadKind.WORKLOAD_KIND_BATCH_INFERENCE);
    expect(enumValueOf(api.Tier, 'TIER_BATCH')).toBe(api.Tier.TIER_BATCH);
    expect(enumValueOf(api.Tier, 'fastest')).toBeUndefined();
  });
});
