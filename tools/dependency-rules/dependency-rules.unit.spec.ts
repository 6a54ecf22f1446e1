import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';

// Runs the repo's own .dependency-cruiser.cjs over a tiny fixture repo laid out like this one
// (apps/, libs/, services/, tests/; fixture/node_modules/@switchyard/beta links to services/beta,
// as pnpm links a workspace package, so imports by package name resolve to its exports).
const repoConfig = fileURLToPath(new URL('../../.dependency-cruiser.cjs', import.meta.url));
const fixtureRoot = fileURLToPath(new URL('./fixture', import.meta.url));

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  let result: ICruiseResult;

  beforeAll(async () => {
    const options = await extractDepcruiseOptions(repoConfig);
    result = (await cruise(['apps', 'libs', 'services', 'tests'], { ...options, baseDir: fixtureRoot })).output as ICruiseResult;
  });

  const rulesBrokenBy = (source: string): string[] =>
    result.summary.violations.filter((violation) => violation.from === source).map((violation) => violation.rule.name);

  it('fails a domain file that imports kafkajs', () => {
    expect(rulesBrokenBy('services/alpha/src/domain/route-job.ts')).toContain('domain-is-pure');
  });

  it("fails a relative import of another package's src", () => {
    expect(rulesBrokenBy('services/alpha/src/reach-in.ts').sort()).toEqual([
      'no-relative-import-across-packages',
      'services-import-services-only-through-domain',
    ]);
  });

  it("fails a test that reaches into a sibling package's test support by relative path", () => {
    expect(rulesBrokenBy('services/beta/test/borrows-alpha-fixture.ts')).toContain('no-relative-import-across-packages');
    expect(rulesBrokenBy('tests/e2e/test/borrows-service-fixture.ts')).toEqual(['no-relative-import-across-packages']);
  });

  it('fails a library that imports a service, even its domain', () => {
    expect(rulesBrokenBy('libs/gamma/src/uses-service.ts')).toEqual(['libs-import-no-services-or-apps']);
  });

  it("fails a service that imports another service's root entry, and passes one that imports its ./domain", () => {
    expect(rulesBrokenBy('services/alpha/src/uses-beta-root.ts')).toEqual(['services-import-services-only-through-domain']);
    expect(result.modules.map((module) => module.source)).toContain('services/alpha/src/uses-beta-domain.ts');
    expect(rulesBrokenBy('services/alpha/src/uses-beta-domain.ts')).toEqual([]);
  });

  it("fails an application that imports a service's root entry, and passes one that imports its ./domain", () => {
    expect(rulesBrokenBy('apps/delta/src/uses-beta-root.ts')).toEqual(['apps-import-services-only-through-entries']);
    expect(result.modules.map((module) => module.source)).toContain('apps/delta/src/uses-beta-domain.ts');
    expect(rulesBrokenBy('apps/delta/src/uses-beta-domain.ts')).toEqual([]);
  });

  it("fails an import of another package's src through its package name", () => {
    expect(rulesBrokenBy('services/alpha/src/deep-import.ts')).toContain('no-deep-import-of-workspace-package');
  });

  it('fails a circular dependency', () => {
    expect(rulesBrokenBy('services/beta/src/queue.ts')).toContain('no-circular');
  });

  it('allows a cycle made only of type imports', () => {
    expect(rulesBrokenBy('services/beta/src/domain/job-state.ts')).toEqual([]);
    expect(rulesBrokenBy('services/beta/src/domain/job-event.ts')).toEqual([]);
  });

  it('passes a pure domain file', () => {
    expect(result.modules.map((module) => module.source)).toContain('services/alpha/src/domain/pick-tier.ts');
    expect(rulesBrokenBy('services/alpha/src/domain/pick-tier.ts')).toEqual([]);
    expect(rulesBrokenBy('services/alpha/src/domain/tier.ts')).toEqual([]);
  });

  it('reports the violations as errors', () => {
    expect(result.summary.error).toBeGreaterThanOrEqual(9);
  });
});
