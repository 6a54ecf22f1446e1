// The repository as deploy checks see it: where files are, and which environment variables
// the services' code reads.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const inRepo = (path: string): string => join(repoRoot, path);

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sourceFiles(path);
    return /\.(ts|mjs)$/.test(entry.name) && !/\.spec\.ts$/.test(entry.name) ? [path] : [];
  });
}

/**
 * Every variable name the production code of libs/ and services/ reads: `env.NAME`,
 * `env['NAME']`, or a name passed as a string literal (`positiveInt(env, 'NAME')`,
 * `rateLimitFromEnv(env, { perSecond: 'NAME' })`). With the file that reads it.
 */
export function variablesTheCodeReads(): Map<string, string> {
  const read = new Map<string, string>();
  const roots = ['apps', 'libs', 'services', 'tests'].flatMap((top) =>
    readdirSync(inRepo(top)).map((name) => join(inRepo(top), name, 'src')),
  );
  for (const file of roots.flatMap(sourceFiles)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/env(?:\.|\[['"])([A-Z][A-Z0-9_]+)|['"]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"]/g)) {
      const name = match[1] ?? match[2]!;
      if (!read.has(name)) read.set(name, relative(repoRoot, file));
    }
  }
  return read;
}

/**
 * Variables set for the services that the code does not read yet because the work that reads
 * them is on another branch. Each entry says which; CI prints it and passes, so the file can
 * be written ahead of the merge. Remove an entry once main reads the variable.
 */
export const PENDING_VARIABLES: Readonly<Record<string, string>> = {};

/** Files owned by the observability work (issue 12), which may not be on main yet. */
export const isObservabilityFile = (path: string): boolean => path.replace(/^\.\//, '').startsWith('deploy/observability/');
