import type { Metadata } from '@grpc/grpc-js';

/** Metadata an admin sets to read one tenant's usage (tenants never choose: theirs comes from the key). */
export function tenantHeaderOf(metadata: Metadata | undefined): string | undefined {
  const [tenant] = metadata?.get('x-switchyard-tenant') ?? [];
  return typeof tenant === 'string' && tenant !== '' ? tenant : undefined;
}
