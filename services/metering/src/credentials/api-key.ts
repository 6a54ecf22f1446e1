import type { Metadata } from '@grpc/grpc-js';

/** The API key of a call: `authorization: Bearer <key>` or `x-api-key: <key>`, as intake reads it. */
export function apiKeyOf(metadata: Metadata | undefined): string | undefined {
  const [authorization] = metadata?.get('authorization') ?? [];
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match?.[1]) return match[1];
  }
  const [apiKey] = metadata?.get('x-api-key') ?? [];
  return typeof apiKey === 'string' && apiKey.trim() !== '' ? apiKey.trim() : undefined;
}

/** Metadata an admin sets to read one tenant's usage (tenants never choose: theirs comes from the key). */
export function tenantHeaderOf(metadata: Metadata | undefined): string | undefined {
  const [tenant] = metadata?.get('x-switchyard-tenant') ?? [];
  return typeof tenant === 'string' && tenant !== '' ? tenant : undefined;
}
