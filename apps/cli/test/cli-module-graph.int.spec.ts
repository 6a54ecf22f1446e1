// The CLI is an application over the services' pure deciders, not a host of services: loading
// any of its modules never loads NestJS or TypeORM. Every module under src/ is imported from its
// TypeScript source (as `pnpm switchyard` runs it) in a child process whose module hooks record
// each resolved NestJS or TypeORM file, so a static import anywhere in the graph fails this test,
// and so does a package a command loads lazily (`await import('@switchyard/x')`).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const srcDir = fileURLToPath(new URL('../src/', import.meta.url));
const probe = fileURLToPath(new URL('./support/framework-probe.mjs', import.meta.url));
const loader = fileURLToPath(new URL('./support/load-modules.mjs', import.meta.url));

/**
 * Modules that may load a framework, each with the reason. Nothing else may.
 * - run-rebuild.ts: `switchyard rebuild` runs intake's own projection code (TypeORM migrations and
 *   entity manager) against intake's tables; it is imported only when that command runs.
 */
const MAY_LOAD_A_FRAMEWORK: Record<string, string> = {
  'rebuild/run-rebuild.ts': 'runs intake projections',
};

interface Load {
  readonly framework: string;
  readonly url: string;
  readonly parent: string;
}

function sourceModules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceModules(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Packages the CLI imports lazily: `import('@switchyard/x')`, not followed by a static import. */
function lazilyImportedPackages(files: readonly string[]): string[] {
  const found = files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\bimport\(\s*'([^'.][^']*)'\s*\)/g)].map((m) => m[1]!));
  return [...new Set(found)];
}

/** Imports `modules` in a child node with the probe's hooks; resolves with every framework file it loaded. */
function frameworksLoadedBy(modules: readonly string[]): Promise<Load[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cli-graph-'));
  const out = join(dir, 'loads.jsonl');
  const args = [
    '--conditions=@switchyard/source',
    '--import',
    '@swc-node/register/esm-register',
    '--import',
    pathToFileURL(probe).href,
    loader,
  ];
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    SWC_NODE_PROJECT: 'apps/cli/tsconfig.json',
    FRAMEWORK_PROBE_OUT: out,
    MODULES: JSON.stringify(modules),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const loads = existsSync(out)
        ? readFileSync(out, 'utf8')
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line) as Load)
        : [];
      rmSync(dir, { recursive: true, force: true });
      if (code === 0) resolve(loads);
      else reject(new Error(`loading the CLI's modules failed (exit ${code}):\n${stderr}`));
    });
  });
}

const shown = (loads: readonly Load[]): string[] =>
  [
    ...new Set(
      loads
        .filter((l) => !l.parent.includes('/node_modules/'))
        .map((l) => `${l.framework} <- ${relative(repoRoot, fileURLToPath(l.parent))}`),
    ),
  ].sort();

describe("the CLI's module graph", () => {
  const files = sourceModules(srcDir).filter((file) => !file.endsWith('/main.ts')); // main.ts runs the CLI
  const exempt = (name: string): boolean => name in MAY_LOAD_A_FRAMEWORK;

  it('loads neither NestJS nor TypeORM, through any module of the CLI or any package a command imports lazily', async () => {
    const modules = files.filter((file) => !exempt(relative(srcDir, file))).map((file) => pathToFileURL(file).href);
    const packages = lazilyImportedPackages(files).filter((name) => !exempt(name));
    expect(modules.length).toBeGreaterThan(40);
    expect(modules).toContainEqual(pathToFileURL(join(srcDir, 'program.ts')).href);
    expect(modules).toContainEqual(pathToFileURL(join(srcDir, 'replay/what-if.ts')).href);
    expect(packages).toContain('@switchyard/service-host/status-details');
    expect(shown(await frameworksLoadedBy([...modules, ...packages]))).toEqual([]);
  }, 120_000);

  it('would see NestJS or TypeORM if a module loaded it: the exempt modules and a service root do', async () => {
    const loaded = shown(await frameworksLoadedBy([pathToFileURL(join(srcDir, 'rebuild/run-rebuild.ts')).href, '@switchyard/placement']));
    expect(loaded.some((line) => line.startsWith('typeorm <- '))).toBe(true);
    expect(loaded.some((line) => line.startsWith('@nestjs/'))).toBe(true);
  }, 120_000);
});
