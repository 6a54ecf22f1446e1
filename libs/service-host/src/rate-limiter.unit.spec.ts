import { describe, expect, it } from '@jest/globals';
import { decodeStatusDetails } from './grpc-errors.js';
import { KeyedRateLimiter, rateLimitFromEnv } from './rate-limiter.js';

const TENANT = { perSecond: 'TENANT_RATE_LIMIT_PER_SECOND', burst: 'TENANT_RATE_LIMIT_BURST' };

describe('keyed rate limiter', () => {
  it('admits a burst, then one call per 1/rate seconds, each key on its own', () => {
    let now = 1_000_000;
    const limiter = new KeyedRateLimiter({ perSecond: 2, burst: 3 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('acme').admitted)).toEqual([true, true, true]);
    expect(limiter.take('acme')).toEqual({ admitted: false, retryAfterMs: 500 });
    expect(limiter.take('globex').admitted).toBe(true);
    now += 250;
    expect(limiter.take('acme')).toEqual({ admitted: false, retryAfterMs: 250 });
    now += 250;
    expect(limiter.take('acme').admitted).toBe(true);
    now += 60_000;
    expect([1, 2, 3, 4].map(() => limiter.take('acme').admitted)).toEqual([true, true, true, false]);
  });

  it('answers RESOURCE_EXHAUSTED with QuotaFailure, RetryInfo and ErrorInfo', () => {
    const limiter = new KeyedRateLimiter({ perSecond: 1, burst: 1 }, () => 0);
    expect(limiter.admit('acme', 'tenant:acme')).toBeUndefined();
    const error = limiter.admit('acme', 'tenant:acme')!.getError() as { code: number; metadata: import('@grpc/grpc-js').Metadata };
    expect(error.code).toBe(8);
    const status = decodeStatusDetails(error)!;
    expect(status.details.map((d) => d.type)).toEqual(['google.rpc.RetryInfo', 'google.rpc.QuotaFailure', 'google.rpc.ErrorInfo']);
    expect(status.details[1]!.value).toMatchObject({
      violations: [{ subject: 'tenant:acme', description: 'at most 1 calls per second, 1 at once' }],
    });
    expect(status.details[0]!.value).toEqual({ retry_delay: { seconds: '1', nanos: 0 } });
    expect(status.details[2]!.value).toMatchObject({ reason: 'RATE_LIMITED', domain: 'switchyard' });
  });

  it('forgets the least recently used key past its size bound', () => {
    const limiter = new KeyedRateLimiter({ perSecond: 1, burst: 1 }, () => 0, 2);
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    expect(limiter.take('a').admitted).toBe(true);
    expect(limiter.take('c').admitted).toBe(false);
  });

  it('reads its limit from the environment, off when unset, refusing nonsense', () => {
    expect(rateLimitFromEnv({}, TENANT)).toBeUndefined();
    expect(rateLimitFromEnv({ TENANT_RATE_LIMIT_PER_SECOND: '20' }, TENANT)).toEqual({ perSecond: 20, burst: 20 });
    expect(rateLimitFromEnv({ TENANT_RATE_LIMIT_PER_SECOND: '0.5', TENANT_RATE_LIMIT_BURST: '4' }, TENANT)).toEqual({
      perSecond: 0.5,
      burst: 4,
    });
    expect(() => rateLimitFromEnv({ TENANT_RATE_LIMIT_PER_SECOND: 'abc' }, TENANT)).toThrow(
      'TENANT_RATE_LIMIT_PER_SECOND must be a positive number, not "abc"',
    );
    expect(() => rateLimitFromEnv({ TENANT_RATE_LIMIT_BURST: '3' }, TENANT)).toThrow(
      'TENANT_RATE_LIMIT_BURST needs TENANT_RATE_LIMIT_PER_SECOND',
    );
  });
});
