import type { TierPolicy } from '@switchyard/classifier/domain';
import { defaultTierPolicyArchiveDir, loadTierPolicy, loadTierPolicyVersion, TierPolicyError } from '@switchyard/classifier/policy';
import { usageError } from '../cli-error.js';

/** Loads the archived tier policy of each version; a version that cannot be loaded maps to why. */
export async function archivedTierPolicies(
  versions: Iterable<string>,
  archiveDir = defaultTierPolicyArchiveDir,
): Promise<Map<string, TierPolicy | string>> {
  const policies = new Map<string, TierPolicy | string>();
  for (const version of [...new Set(versions)].sort()) {
    try {
      policies.set(version, await loadTierPolicyVersion(version, archiveDir));
    } catch (error) {
      if (!(error instanceof TierPolicyError)) throw error;
      const unreadable = error.issues.some((i) => i.message.startsWith('cannot read the file'));
      policies.set(version, unreadable ? `tier policy version "${version}" is not archived in ${archiveDir}` : oneLine(error));
    }
  }
  return policies;
}

/** A tier policy file named on the command line: unreadable or invalid is bad input (exit 2). */
export async function tierPolicyFile(path: string): Promise<TierPolicy> {
  try {
    return await loadTierPolicy(path);
  } catch (error) {
    if (error instanceof TierPolicyError) throw usageError(oneLine(error));
    throw error;
  }
}

function oneLine(error: TierPolicyError): string {
  return `invalid tier policy ${error.source}: ${error.issues.map((i) => `${i.path || '(file)'}${i.line === undefined ? '' : ` (line ${i.line})`}: ${i.message}`).join('; ')}`;
}
