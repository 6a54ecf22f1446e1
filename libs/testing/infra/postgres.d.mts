// Types of postgres.mjs for TypeScript callers (the benchmark).
export interface RunningPostgres {
  readonly url: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
}
export function startEmbeddedPostgres(options?: { dataDir?: string; port?: number; log?: (message: string) => void }): Promise<RunningPostgres>;
export function startPostgres(log?: (message: string) => void): Promise<RunningPostgres & { version?: string }>;
export function serverVersion(url: string): Promise<string>;
