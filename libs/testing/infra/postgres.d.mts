// Types of postgres.mjs for TypeScript callers (the benchmark).
export interface RunningPostgres {
  readonly url: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
}
export function startEmbeddedPostgres(options?: { dataDir?: string; port?: number; log?: (message: string) => void }): Promise<RunningPostgres>;
export function startPostgres(log?: (message: string) => void): Promise<RunningPostgres & { version?: string }>;
export function serverVersion(url: string): Promise<string>;
export interface RestartablePostgres {
  readonly url: string;
  readonly embedded: true;
  isRunning(): boolean;
  /** Fast shutdown: every session is terminated (57P01) and new connections are refused. */
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops it and removes its data. */
  close(): Promise<void>;
}
export function startRestartablePostgres(options?: { log?: (message: string) => void }): Promise<RestartablePostgres>;
