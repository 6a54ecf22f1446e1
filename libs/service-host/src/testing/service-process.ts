import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ServiceProcess {
  /** The `host:port` the service reported it is listening on. */
  address: string;
  /** Its Prometheus endpoint (a free port unless `env` sets METRICS_ADDRESS), when it reported one. */
  metricsUrl: string | undefined;
  /** Every JSON log line the service wrote so far. */
  logs: Record<string, unknown>[];
  /** Sends SIGTERM and resolves with the exit code; rejects if the process outlives `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL: the process gets no chance to clean up (a crash); resolves once it is gone. */
  kill(): Promise<void>;
}

/** Arguments that run a service's TypeScript source the way its `dev` script does. */
export const DEV_RUNNER_ARGS = ['--conditions=@switchyard/source', '--import', '@swc-node/register/esm-register'];

/**
 * Starts a service as a child process (`node <DEV_RUNNER_ARGS> src/main.ts` by default) on a free
 * port and resolves once it logs the address it listens on.
 */
export async function startServiceProcess(options: {
  cwd: string;
  args?: string[];
  env?: Record<string, string>;
  startTimeoutMs?: number;
}): Promise<ServiceProcess> {
  const args = options.args ?? [...DEV_RUNNER_ARGS, 'src/main.ts'];
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { ...process.env, GRPC_URL: '127.0.0.1:0', METRICS_ADDRESS: '127.0.0.1:0', ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs: Record<string, unknown>[] = [];
  let metricsUrl: string | undefined;
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`service in ${options.cwd} did not start within ${options.startTimeoutMs ?? 20_000} ms`));
    }, options.startTimeoutMs ?? 20_000);
    void exited.then((code) => reject(new Error(`service in ${options.cwd} exited early with code ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = parseLogLine(line);
      logs.push(entry);
      metricsUrl ??= /^metrics at (\S+)$/.exec(String(entry.msg))?.[1];
      const match = /listening on (\S+)$/.exec(String(entry.msg));
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return {
    address,
    metricsUrl,
    logs,
    stop: (timeoutMs = 5000) => stop(child, exited, timeoutMs),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function stop(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process ${child.pid} still running ${timeoutMs} ms after SIGTERM`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function parseLogLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`service wrote a log line that is not JSON: ${line}`);
  }
}
