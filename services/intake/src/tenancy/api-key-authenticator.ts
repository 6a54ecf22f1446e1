// Who is calling: the tenant behind the API key in the call's metadata, never a request field.
// Every JobService call authenticates here, so the per-tenant rate limit is taken here too.
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { KeyedRateLimiter, unauthenticated, type RateLimit } from '@switchyard/service-host';
import type { Tenant } from '../domain/submit-job.js';
import { TenantDirectory } from './tenant-directory.js';

export const TENANT_RATE_LIMIT = Symbol('intake.tenantRateLimit');

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
   * The calling tenant; UNAUTHENTICATED when no key is given or the key is unknown,
   * RESOURCE_EXHAUSTED (QuotaFailure, RetryInfo) when the tenant is over its call rate.
   */
  async authenticate(metadata: Metadata | undefined): Promise<Tenant> {
    const key = apiKeyOf(metadata);
    if (key === undefined) {
      throw unauthenticated('missing API key: send "authorization: Bearer <key>" or "x-api-key: <key>"', { reason: 'API_KEY_MISSING' });
    }
    const tenant = await this.directory.findByApiKey(key);
    if (!tenant) throw unauthenticated('unknown API key', { reason: 'API_KEY_INVALID' });
    const limited = this.limiter?.admit(tenant.id, `tenant:${tenant.id}`);
    if (limited) throw limited;
    return tenant;
  }
}

function apiKeyOf(metadata: Metadata | undefined): string | undefined {
  const [authorization] = metadata?.get('authorization') ?? [];
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const [apiKey] = metadata?.get('x-api-key') ?? [];
  return typeof apiKey === 'string' && apiKey.trim() !== '' ? apiKey.trim() : undefined;
}
