// Types of postgres.mjs for TypeScript callers (the benchmark).
export interface RunningPostgres {
  readonly url: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
}
export function startEmbeddedPostgres(options?: {
  dataDir?: string;
  port?: number;
  log?: (message: string) => void;
}): Promise<RunningPostgres>;
export function startPostgres(log?: (message: string) => void): Promise<RunningPostgres & { version?: string }>;
export function serverVersion(url: string): Promise<string>;
/** An embedded server this process owns; restart() is an immediate (crash) shutdown and a start. */
export interface RestartablePostgres extends RunningPostgres {
  readonly version: string;
  readonly port: number;
  readonly running: boolean;
  down(options?: { abrupt?: boolean }): Promise<void>;
  up(): Promise<void>;
  restart(options?: { abrupt?: boolean; downForMs?: number }): Promise<void>;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}
export function startRestartablePostgres(options?: { port?: number; log?: (message: string) => void }): Promise<RestartablePostgres>;
