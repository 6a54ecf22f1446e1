// Types of kafka.mjs for TypeScript callers (the benchmark).
export interface RunningKafka {
  readonly brokers: string[];
  readonly version: string;
  readonly logFile?: string;
  stop(): Promise<void>;
}
export function startKafka(log?: (message: string) => void): Promise<RunningKafka>;
export function pinnedKafkaVersion(): string;
export const infraDir: string;
/** A JVM broker this process owns; restart() kills it (SIGKILL unless abrupt is false) and starts it on the same ports and data. */
export interface RestartableKafka extends RunningKafka {
  readonly pids: number[];
  restart(options?: { abrupt?: boolean; downForMs?: number }): Promise<void>;
}
export function startRestartableKafka(log?: (message: string) => void): Promise<RestartableKafka>;
