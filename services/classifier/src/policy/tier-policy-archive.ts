import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { TierPolicy } from '../domain/index.js';
import { loadTierPolicy } from './load-tier-policy.js';
import { TierPolicyError } from './tier-policy-error.js';

/**
 * Every released policy, one file per version (`<version>.yaml`), so `replay verify` can re-run a
 * past decision under the policy its JobClassified names. Files here are never edited.
 */
export const defaultTierPolicyArchiveDir = fileURLToPath(new URL('../../policy/versions/', import.meta.url));

/** Loads the archived policy of `version`; a TierPolicyError if there is none or it names another version. */
export async function loadTierPolicyVersion(version: string, archiveDir = defaultTierPolicyArchiveDir): Promise<TierPolicy> {
  // The schema keeps versions to file-name characters; checked again here since `version` may come from the log.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(version)) {
    throw new TierPolicyError(archiveDir, [{ path: 'version', message: `"${version}" is not a policy version` }]);
  }
  const path = join(archiveDir, `${version}.yaml`);
  const policy = await loadTierPolicy(path);
  if (policy.version !== version) {
    throw new TierPolicyError(path, [{ path: 'version', message: `file for version "${version}" holds version "${policy.version}"` }]);
  }
  return policy;
}
