import { describe, expect, it } from '@jest/globals';
import { ms, percent, rate, ratio, summarise } from './stats.js';

describe('summarise', () => {
  it('gives nearest-rank percentiles on the sorted samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted on purpose
    const s = summarise(samples);
    expect(s).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
  });

  it('one sample is every percentile', () => {
    expect(summarise([7])).toMatchObject({ count: 1, p50: 7, p95: 7, p99: 7, max: 7, mean: 7 });
  });

  it('no samples: count 0 and NaN figures (rendered as —)', () => {
    const s = summarise([]);
    expect(s.count).toBe(0);
    expect(s.p50).toBeNaN();
    expect(ms(s.p99)).toBe('—');
  });
});

describe('formatting', () => {
  it('milliseconds keep three significant digits or so', () => {
    expect([ms(0.0123), ms(1.234), ms(12.34), ms(1234.5)]).toEqual(['0.012', '1.23', '12.3', '1235']);
  });
  it('rates group thousands from 100 up', () => {
    expect([rate(12.34), rate(2000), rate(123456.7)]).toEqual(['12.3', '2,000', '123,457']);
    expect(rate(NaN)).toBe('—');
  });
  it('ratios and percentages', () => {
    expect(ratio(1.5)).toBe('1.50×');
    expect(ratio(Infinity)).toBe('—');
    expect(percent(0.3)).toBe('30.0 %');
    expect(percent(NaN)).toBe('—');
  });
});
