// Credentials are random secrets with 256 bits of entropy, so a plain SHA-256 is enough to store
// them (no slow password hash needed: there is nothing to brute-force). Compared by hash lookup.
import { createHash, randomBytes } from 'node:crypto';

export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A new provider token; only its hash is stored. */
export function newProviderToken(): string {
  return `spt_${randomBytes(32).toString('base64url')}`;
}

/** The secret of an `authorization: Bearer <secret>` metadata value, if well-formed. */
export function bearerSecret(values: readonly unknown[]): string | undefined {
  for (const value of values) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(String(value));
    if (match?.[1]) return match[1];
  }
  return undefined;
}
