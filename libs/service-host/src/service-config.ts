// Small readers every service's config.ts uses, so each variable is validated the same way.
import { ConfigurationError } from '@switchyard/event-runtime';

const HOST_PORT = /^(?:\[[^\]]+\]|[^:\s]+):\d{1,5}$/;

/** GRPC_URL (`host:port`; port 0 picks a free one) or the service's default listen address. */
export function grpcUrlFromEnv(env: NodeJS.ProcessEnv, fallback: string): string {
  const url = env.GRPC_URL || fallback;
  if (!HOST_PORT.test(url) || Number(url.slice(url.lastIndexOf(':') + 1)) > 65_535)
    throw new ConfigurationError(`GRPC_URL must be host:port, not "${url}"`);
  return url;
}

/** A positive integer variable, undefined when unset or empty. */
export function optionalPositiveIntFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new ConfigurationError(`${name} must be a positive integer, not "${raw}"`);
  return value;
}

/** A positive integer variable, `fallback` when unset or empty. */
export function positiveIntFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  return optionalPositiveIntFromEnv(env, name) ?? fallback;
}
