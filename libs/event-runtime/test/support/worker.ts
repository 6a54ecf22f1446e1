// Forks test/children/account-worker.ts with the dev runner and waits for its IPC reports.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerConfig } from '../children/account-worker.js';

const SCRIPT = fileURLToPath(new URL('../children/account-worker.ts', import.meta.url));
// The dev runner reads tsconfig.json from the working directory: the package's own.
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const RUNNER = ['--conditions=@switchyard/source', '--import', '@swc-node/register/esm-register'];

export interface Worker {
  readonly child: ChildProcess;
  /** Resolves with the first report that has `key`. */
  next(key: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  sigkill(): Promise<void>;
  /** Asks a consuming worker to stop gracefully and waits for its exit. */
  stop(): Promise<void>;
}

export function startWorker(config: WorkerConfig): Worker {
  const child = fork(SCRIPT, [], {
    execArgv: RUNNER,
    cwd: PACKAGE_DIR,
    env: { ...process.env, WORKER_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const reports: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  child.on('message', (message) => {
    reports.push(message as Record<string, unknown>);
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    next: (key, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = reports.find((r) => key in r);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`worker ${config.mode} reported no ${key} within ${timeoutMs} ms`));
        }, timeoutMs);
        const onExit = (): void => {
          cleanup();
          reject(new Error(`worker ${config.mode} exited before reporting ${key}`));
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', onExit);
        };
        waiters.add(check);
        child.once('exit', onExit);
        check();
      }),
    sigkill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.send({ stop: true });
      await exited;
    },
  };
}
