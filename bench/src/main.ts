#!/usr/bin/env node
// `pnpm bench`: Switchyard's benchmark. Runs the sections asked for, prints each figure as it is
// measured, and writes report.json and report.md. Nothing here asserts a timing: the numbers
// are the output (docs/performance.md keeps the latest table and how to read it).
import path from 'node:path';
import { parseArgs, UsageError, type BenchOptions } from './args.js';
import { benchmarkFailure, newReport, writeReport } from './report.js';
import { repoRoot } from './system.js';
import { runSections } from './sections.js';

let options: BenchOptions;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(error.message.startsWith('usage:') ? 0 : 2);
  }
  throw error;
}

const log = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);
const report = newReport(options.smoke ? 'smoke' : 'full');
const started = Date.now();
try {
  await runSections(options, report, log);
  // The benchmark itself failed when a pipeline ran and placed nothing (timings never fail it).
  const failure = benchmarkFailure(report);
  if (failure !== undefined) {
    log(`failed: ${failure}`);
    process.exitCode = 1;
  }
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
const outDir = options.outDir ?? path.join(repoRoot, '.bench', report.mode);
const written = writeReport(report, outDir);
log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; ${written.markdown}`);
process.stdout.write(`${(await import('node:fs')).readFileSync(written.markdown, 'utf8')}`);
process.exit(process.exitCode ?? 0);
