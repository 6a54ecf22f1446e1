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
