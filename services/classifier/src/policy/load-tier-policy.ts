import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { TierPolicy } from '../domain/index.js';
import { parseTierPolicy } from './parse-tier-policy.js';
import { TierPolicyError } from './tier-policy-error.js';

/** The policy shipped with the service: services/classifier/policy/ (same depth from src/ and dist/). */
export const defaultTierPolicyPath = fileURLToPath(new URL('../../policy/tier-policy.yaml', import.meta.url));

/** Reads, parses and validates a policy file; every failure, unreadable file included, is a TierPolicyError. */
export async function loadTierPolicy(path: string): Promise<TierPolicy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TierPolicyError(path, [{ path: '', message: `cannot read the file: ${(error as Error).message}` }]);
  }
  return parseTierPolicy(text, path);
}
