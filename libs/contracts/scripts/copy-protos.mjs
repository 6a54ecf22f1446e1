// Part of the build: copies the repo's .proto sources into dist/proto, so a built
// @switchyard/contracts carries the files its gRPC servers load, wherever it is installed
// (`pnpm deploy` puts it under node_modules, far from the repo root). The committed baseline
// image is not part of the API and stays behind.
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../../../proto/switchyard/', import.meta.url));
const target = fileURLToPath(new URL('../dist/proto/switchyard/', import.meta.url));
rmSync(target, { recursive: true, force: true });
cpSync(source, target, { recursive: true, filter: (path) => !path.endsWith('.binpb') });
