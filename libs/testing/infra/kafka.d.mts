// Types of kafka.mjs for TypeScript callers (the benchmark).
export interface RunningKafka {
  readonly brokers: string[];
  readonly version: string;
  readonly logFile?: string;
  readonly pids?: number[];
  stop(): Promise<void>;
  /** Started from the jars only: SIGKILLs node `index` (0-based), a crash. */
  killBroker?(index: number): Promise<void>;
  /** Started from the jars only: starts node `index` again on its data. */
  startBroker?(index: number): Promise<void>;
}
/** `brokers` > 1 starts a KRaft cluster from the jars (replication factor 3, min ISR 2). */
export function startKafka(log?: (message: string) => void, options?: { brokers?: number; own?: boolean }): Promise<RunningKafka>;
export function pinnedKafkaVersion(): string;
export const infraDir: string;
/** A JVM broker this process owns; restart() kills it (SIGKILL unless abrupt is false) and starts it on the same ports and data. */
export interface RestartableKafka extends RunningKafka {
  readonly pids: number[];
  restart(options?: { abrupt?: boolean; downForMs?: number }): Promise<void>;
}
export function startRestartableKafka(log?: (message: string) => void): Promise<RestartableKafka>;
