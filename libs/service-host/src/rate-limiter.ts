// Per-key request rate limits (token buckets): each key (a tenant) may make `perSecond` calls a
// second on average and `burst` in a row. Over the limit, the call is RESOURCE_EXHAUSTED with a
// QuotaFailure naming the key and a RetryInfo saying when the next call will be admitted.
// In memory, per instance: with N instances behind a balancer a tenant gets up to N times the
// rate, so set the per-instance limit to the tenant's limit / N (docs/operations.md).
import type { RpcException } from '@nestjs/microservices';
import { resourceExhausted } from './grpc-errors.js';

export interface RateLimit {
  /** Sustained calls per second per key. */
  readonly perSecond: number;
  /** Calls a key may make at once after being idle; at least 1. */
  readonly burst: number;
}

export class RateLimitConfigurationError extends Error {
  override readonly name = 'RateLimitConfigurationError';
}

/**
 * The limit two variables set: the rate (unset: no limit) and the burst (default: one second's
 * worth). Named in full by the caller, so a search for a variable finds where it is read.
 */
export function rateLimitFromEnv(
  env: NodeJS.ProcessEnv,
  names: { readonly perSecond: string; readonly burst: string },
): RateLimit | undefined {
  const rateName = names.perSecond;
  const burstName = names.burst;
  const rate = positive(env[rateName], rateName);
  const burst = positive(env[burstName], burstName);
  if (rate === undefined) {
    if (burst !== undefined) throw new RateLimitConfigurationError(`${burstName} needs ${rateName}`);
    return undefined;
  }
  return { perSecond: rate, burst: Math.max(1, Math.floor(burst ?? Math.ceil(rate))) };
}

function positive(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new RateLimitConfigurationError(`${name} must be a positive number, not "${raw}"`);
  return value;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date, ms. */
  at: number;
}

export type Admission = { readonly admitted: true } | { readonly admitted: false; readonly retryAfterMs: number };

export class KeyedRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /**
   * @param maxKeys buckets kept at most; the least recently used goes first (it has refilled
   *   long ago in any real workload, so forgetting it changes nothing).
   */
  constructor(
    readonly limit: RateLimit,
    private readonly clock: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes one call's token for `key`, or says how long until one is available. */
  take(key: string): Admission {
    const now = this.clock();
    const bucket = this.bucketOf(key, now);
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { admitted: true };
    }
    return { admitted: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / this.limit.perSecond) * 1000) };
  }

  /** Admits the call or returns the RESOURCE_EXHAUSTED to answer it with; `subject` names the key to the caller. */
  admit(key: string, subject = key): RpcException | undefined {
    const admission = this.take(key);
    if (admission.admitted) return undefined;
    return resourceExhausted(
      `rate limit of ${this.limit.perSecond} calls/s (burst ${this.limit.burst}) exceeded for ${subject}; retry in ${admission.retryAfterMs} ms`,
      {
        quota: [{ subject, description: `at most ${this.limit.perSecond} calls per second, ${this.limit.burst} at once` }],
        retryAfterMs: admission.retryAfterMs,
        info: {
          reason: 'RATE_LIMITED',
          metadata: { limit_per_second: this.limit.perSecond, burst: this.limit.burst, retry_after_ms: admission.retryAfterMs },
        },
      },
    );
  }

  private bucketOf(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (bucket) {
      // Re-inserting keeps the map in least-recently-used order for eviction.
      this.buckets.delete(key);
    } else {
      bucket = { tokens: this.limit.burst, at: now };
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    }
    this.buckets.set(key, bucket);
    return bucket;
  }
}
