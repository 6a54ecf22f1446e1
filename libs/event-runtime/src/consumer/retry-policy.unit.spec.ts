import { describe, expect, it } from '@jest/globals';
import { backoffAfter, worstCaseDelay, type RetryPolicy } from './retry-policy.js';

const policy: RetryPolicy = { maxAttempts: 4, initialBackoffMs: 100, maxBackoffMs: 300, multiplier: 2 };

describe('retry policy', () => {
  it('doubles the pause after each failed attempt up to the cap', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffAfter(policy, attempt))).toEqual([100, 200, 300, 300]);
  });

  it('holds a partition for the sum of the pauses between attempts, none after the last', () => {
    expect(worstCaseDelay(policy)).toBe(100 + 200 + 300);
    expect(worstCaseDelay({ ...policy, maxAttempts: 1 })).toBe(0);
  });
});
