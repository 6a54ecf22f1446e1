// API keys, provider tokens and their hashes. Credentials are random secrets with 256 bits of
// entropy, so a plain SHA-256 is enough to store them (there is nothing to brute-force).
import { createHash, randomBytes } from 'node:crypto';

export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A new provider token; only its hash is stored. */
export function newProviderToken(): string {
  return `spt_${randomBytes(32).toString('base64url')}`;
}

/** What a call's metadata offers: grpc-js `Metadata` fits. */
export interface MetadataValues {
  get(key: string): readonly unknown[];
}

/** The secret of an `authorization: Bearer <secret>` value, if one is well-formed. */
export function bearerSecret(values: readonly unknown[]): string | undefined {
  for (const value of values) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(String(value));
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/** The API key of a call: `authorization: Bearer <key>`, else `x-api-key: <key>`. */
export function apiKeyOf(metadata: MetadataValues | undefined): string | undefined {
  const bearer = bearerSecret(metadata?.get('authorization') ?? []);
  if (bearer !== undefined) return bearer;
  const [apiKey] = metadata?.get('x-api-key') ?? [];
  return typeof apiKey === 'string' && apiKey.trim() !== '' ? apiKey.trim() : undefined;
}
