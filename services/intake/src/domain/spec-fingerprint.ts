// The fingerprint idempotency compares: a hash of the spec in canonical form, so a retry that
// serialises the same spec differently (label order, region order, defaults spelled out) still
// matches, and any change of meaning does not.
import { createHash } from 'node:crypto';
import { api } from '@switchyard/contracts/messages';

export function specFingerprint(spec: api.JobSpec): string {
  const json = api.JobSpec.toJSON(spec) as Record<string, unknown>;
  if (Array.isArray(json.allowedRegions)) json.allowedRegions = [...new Set(json.allowedRegions as string[])].sort();
  return createHash('sha256').update(canonicalJson(json)).digest('hex');
}

/** JSON with object keys sorted at every level; protobuf JSON already omits default values. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
