#!/usr/bin/env node
// The installed `switchyard` command: the CLI's built JavaScript (no TypeScript transform at each
// call). Until it is built, say how to build it rather than failing with a module trace.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'switchyard: the CLI is not built yet: run `pnpm build` (or `pnpm --filter @switchyard/cli... build`) in the repository\n',
  );
  process.exit(1);
}
await import(main.href);
