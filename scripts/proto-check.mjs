#!/usr/bin/env node
// Fails when the committed TypeScript in libs/contracts/src/gen is not what `buf generate`
// produces from proto/ today. Generates into a temporary directory (buf's --output prefixes the
// template's out dir), so the working tree is never touched.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const genDir = 'libs/contracts/src/gen';
const buf = join(root, 'node_modules', '.bin', 'buf');

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath ?? entry.path, entry.name)))
    .sort();
}

const tmp = mkdtempSync(join(tmpdir(), 'switchyard-proto-check-'));
try {
  const run = spawnSync(buf, ['generate', '--output', tmp], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) {
    console.error('proto:check: buf generate failed');
    process.exit(run.status ?? 1);
  }
  const committedDir = join(root, genDir);
  const freshDir = join(tmp, genDir);
  const committed = listFiles(committedDir);
  const fresh = listFiles(freshDir);
  const problems = [];
  for (const file of fresh) {
    if (!committed.includes(file)) problems.push(`missing: ${genDir}/${file}`);
    else if (!readFileSync(join(committedDir, file)).equals(readFileSync(join(freshDir, file)))) {
      problems.push(`stale:   ${genDir}/${file}`);
    }
  }
  for (const file of committed) {
    if (!fresh.includes(file)) problems.push(`extra:   ${genDir}/${file} (no longer generated)`);
  }
  if (problems.length > 0) {
    console.error('proto:check: generated contracts are out of date with proto/:');
    for (const problem of problems) console.error(`  ${problem}`);
    console.error('Run `pnpm proto:gen` and commit libs/contracts/src/gen.');
    process.exit(1);
  }
  console.log(`proto:check: ${fresh.length} generated files match proto/`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
