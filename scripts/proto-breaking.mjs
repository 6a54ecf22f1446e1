#!/usr/bin/env node
// `buf breaking` for Switchyard's contracts, with the rules from buf.yaml (WIRE_JSON plus
// no deleted services/RPCs). Two comparisons, because comparing a clean clone with itself
// proves nothing:
//   (a) against the committed baseline image proto/baseline/switchyard.binpb: always runs;
//   (b) against the previous commit (HEAD~1), when git history is there and that commit has
//       proto/; otherwise skipped with a note.
// Exit code is non-zero if either finds a breaking change.
//
// `node scripts/proto-breaking.mjs --update-baseline` rebuilds the baseline from proto/. Do it
// deliberately, in its own commit, after a release of the contracts: it moves the line that
// old events on the log are checked against.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buf = join(root, 'node_modules', '.bin', 'buf');
const baseline = join(root, 'proto', 'baseline', 'switchyard.binpb');
const baselineRel = relative(root, baseline);

function run(command, args, options = {}) {
  return spawnSync(command, args, { cwd: root, encoding: 'utf8', ...options });
}

function git(...args) {
  const result = run('git', args);
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function breaking(label, against) {
  console.log(`proto:breaking: ${label} (${against})`);
  const result = run(buf, ['breaking', '--against', against], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`proto:breaking: BREAKING changes against ${label}`);
    return false;
  }
  console.log(`proto:breaking: no breaking changes against ${label}`);
  return true;
}

if (process.argv.includes('--update-baseline')) {
  mkdirSync(dirname(baseline), { recursive: true });
  // Without source info: comment edits do not churn the binary, and breaking output points at
  // the current files' lines anyway.
  const result = run(buf, ['build', '--exclude-source-info', '-o', baseline], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  console.log(`proto:breaking: wrote ${baselineRel}; commit it on its own with the reason.`);
  process.exit(0);
}

let ok = true;

if (!existsSync(baseline)) {
  console.error(`proto:breaking: ${baselineRel} is missing; create it with --update-baseline`);
  ok = false;
} else {
  ok = breaking('baseline image', baselineRel) && ok;
}

const previous = git('rev-parse', '--verify', '--quiet', 'HEAD~1^{commit}');
// The common directory: in a linked worktree --git-dir is .git/worktrees/<name>, which buf does
// not recognise as a repository (format=git says what it is either way).
const gitDir = git('rev-parse', '--path-format=absolute', '--git-common-dir');
if (!previous || !gitDir) {
  console.log('proto:breaking: skipped previous-commit check: no git history (shallow clone or not a repository)');
} else if (git('cat-file', '-t', `${previous}:proto`) !== 'tree') {
  console.log(`proto:breaking: skipped previous-commit check: ${previous.slice(0, 12)} has no proto/ directory`);
} else {
  ok = breaking(`previous commit ${previous.slice(0, 12)}`, `${gitDir}#format=git,ref=${previous},subdir=proto`) && ok;
}

process.exit(ok ? 0 : 1);
