// Who is calling: the tenant behind the API key in the call's metadata, never a request field.
// Every JobService call authenticates here, so the per-tenant rate limit is taken here too.
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { apiKeyOf } from '@switchyard/access';
import { KeyedRateLimiter, type RateLimit } from '@switchyard/service-host';
import type { Tenant } from '../domain/submit-job.js';
import { TenantDirectory } from './tenant-directory.js';

export const TENANT_RATE_LIMIT = Symbol('intake.tenantRateLimit');

/** No key, or a key no tenant holds; the controller answers UNAUTHENTICATED with the reason. */
export class NotAuthenticated extends Error {
  constructor(
    message: string,
    readonly reason: 'API_KEY_MISSING' | 'API_KEY_INVALID',
  ) {
    super(message);
  }
}

@Injectable()
export class ApiKeyAuthenticator {
  private readonly limiter: KeyedRateLimiter | undefined;

  constructor(
    private readonly directory: TenantDirectory,
    @Optional() @Inject(TENANT_RATE_LIMIT) rateLimit?: RateLimit,
  ) {
    this.limiter = rateLimit ? new KeyedRateLimiter(rateLimit) : undefined;
  }

  /**
   * The calling tenant; NotAuthenticated when no key is given or the key is unknown, the
   * limiter's RESOURCE_EXHAUSTED (QuotaFailure, RetryInfo) when the tenant is over its call rate.
   */
  async authenticate(metadata: Metadata | undefined): Promise<Tenant> {
    const key = apiKeyOf(metadata);
    if (key === undefined) {
      throw new NotAuthenticated('missing API key: send "authorization: Bearer <key>" or "x-api-key: <key>"', 'API_KEY_MISSING');
    }
    const tenant = await this.directory.findByApiKey(key);
    if (!tenant) throw new NotAuthenticated('unknown API key', 'API_KEY_INVALID');
    const limited = this.limiter?.admit(tenant.id, `tenant:${tenant.id}`);
    if (limited) throw limited;
    return tenant;
  }
}
