import { appendFileSync } from 'node:fs';

const FRAMEWORKS = /\/node_modules\/(@nestjs\/[^/]+|typeorm)\//;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  const framework = FRAMEWORKS.exec(resolved.url);
  if (framework && process.env.FRAMEWORK_PROBE_OUT) {
    appendFileSync(
      process.env.FRAMEWORK_PROBE_OUT,
      `${JSON.stringify({ framework: framework[1], url: resolved.url, parent: context.parentURL ?? '' })}\n`,
    );
  }
  return resolved;
}
