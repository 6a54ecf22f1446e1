// Who is calling: the tenant behind the API key in the call's metadata, never a request field.
import { Injectable } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { unauthenticated } from '@switchyard/service-host';
import type { Tenant } from '../domain/submit-job.js';
import { TenantDirectory } from './tenant-directory.js';

@Injectable()
export class ApiKeyAuthenticator {
  constructor(private readonly directory: TenantDirectory) {}

  /** The calling tenant; UNAUTHENTICATED when no key is given or the key is unknown. */
  async authenticate(metadata: Metadata | undefined): Promise<Tenant> {
    const key = apiKeyOf(metadata);
    if (key === undefined) {
      throw unauthenticated('missing API key: send "authorization: Bearer <key>" or "x-api-key: <key>"', { reason: 'API_KEY_MISSING' });
    }
    const tenant = await this.directory.findByApiKey(key);
    if (!tenant) throw unauthenticated('unknown API key', { reason: 'API_KEY_INVALID' });
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
