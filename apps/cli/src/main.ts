#!/usr/bin/env node
// The `switchyard` executable: builds the command tree, runs it, and turns every error into one
// line on stderr and a documented exit code (docs/cli.md). Set SWITCHYARD_DEBUG=1 for stacks.
import { runCli } from './run-cli.js';
import { processTerminal } from './terminal.js';

// `switchyard … | head` closes stdout early: that is the reader being done, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await runCli(process.argv, processTerminal());
