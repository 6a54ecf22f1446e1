// Every OpenTelemetry package is installed in exactly one version: two copies of the API or the
// SDK mean two registries, and spans or metrics that silently go nowhere.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

const lockfile = readFileSync(new URL('../../../pnpm-lock.yaml', import.meta.url), 'utf8');

describe('OpenTelemetry in pnpm-lock.yaml', () => {
  it('resolves each @opentelemetry package to one version', () => {
    // The last document is the workspace's (the first describes pnpm itself).
    const packages = lockfile.slice(lockfile.lastIndexOf('\npackages:'), lockfile.lastIndexOf('\nsnapshots:'));
    const versions = new Map<string, Set<string>>();
    for (const [, name, version] of packages.matchAll(/^ {2}'(@opentelemetry\/[^@']+)@([^'(]+)'/gm)) {
      versions.set(name!, (versions.get(name!) ?? new Set()).add(version!));
    }
    expect(versions.size).toBeGreaterThan(10);
    expect([...versions].filter(([, found]) => found.size > 1).map(([name, found]) => `${name}: ${[...found].join(', ')}`)).toEqual([]);
  });
});
