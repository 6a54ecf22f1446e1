import { describe, expect, it } from '@jest/globals';
import { kindLabel, stateLabel, tierLabel, tokens } from './labels.js';

describe('human values', () => {
  it('writes money in tokens with the unit, exactly', () => {
    expect(tokens('4500000')).toBe('4.5 tokens');
    expect(tokens(1_000_000n)).toBe('1 token');
    expect(tokens('-1000')).toBe('-0.001 tokens');
    expect(tokens('0')).toBe('0 tokens');
    expect(tokens('9223372036854775807')).toBe('9,223,372,036,854.775807 tokens');
  });

  it('names enum values as people say them', () => {
    expect(kindLabel('WORKLOAD_KIND_BATCH_INFERENCE')).toBe('BATCH_INFERENCE');
    expect(tierLabel('TIER_REALTIME')).toBe('REALTIME');
    expect(stateLabel('JOB_STATE_QUEUED')).toBe('QUEUED');
  });
});
