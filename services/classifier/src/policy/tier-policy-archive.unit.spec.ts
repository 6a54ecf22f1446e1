import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { defaultTierPolicyPath, loadTierPolicy } from './load-tier-policy.js';
import { defaultTierPolicyArchiveDir, loadTierPolicyVersion } from './tier-policy-archive.js';
import { TierPolicyError } from './tier-policy-error.js';

describe('tier policy archive (policy/versions/)', () => {
  it('given the shipped policy, then its version is archived with the same rules', async () => {
    const current = await loadTierPolicy(defaultTierPolicyPath);

    expect(await loadTierPolicyVersion(current.version)).toEqual(current);
  });

  it('given every archived file, then each holds the version its name says', async () => {
    const files = (await readdir(defaultTierPolicyArchiveDir)).filter((file) => file.endsWith('.yaml'));

    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect((await loadTierPolicyVersion(file.replace(/\.yaml$/, ''))).version).toBe(file.replace(/\.yaml$/, ''));
    }
  });

  it('given a version that was never released, then loading it fails with a TierPolicyError', async () => {
    await expect(loadTierPolicyVersion('1999-01-01.1')).rejects.toThrow(TierPolicyError);
  });

  it('given a version read from the log that is not a file name, then it is refused before any read', async () => {
    await expect(loadTierPolicyVersion('../tier-policy')).rejects.toThrow(/is not a policy version/);
  });

  it('given a file whose content names another version, then it is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tier-policy-archive-'));
    try {
      await writeFile(join(dir, 'v2.yaml'), 'version: "v3"\ndefault_tier: TIER_STANDARD\nrules: []\n');

      await expect(loadTierPolicyVersion('v2', dir)).rejects.toThrow(/file for version "v2" holds version "v3"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
