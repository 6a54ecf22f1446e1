// Starts the benchmark fleet (fleet-main.ts) as a child process and waits until it is ready.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchOperator } from '../system.js';
import { stopChild } from '../system.js';

export interface BenchFleet {
  readonly providers: number;
  readonly gpus: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export async function startBenchFleet(options: {
  placement: string;
  providers: number;
  operators: readonly BenchOperator[];
  gpuClass: string;
  gpusPerProvider: readonly [number, number];
  timeScale: number;
  log: (message: string) => void;
}): Promise<BenchFleet> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fleet-main.js');
  const child = spawn(process.execPath, [script], {
    env: {
      ...process.env,
      BENCH_FLEET: JSON.stringify({
        placement: options.placement,
        providers: options.providers,
        operators: options.operators,
        gpuClass: options.gpuClass,
        gpusPerProvider: options.gpusPerProvider,
        timeScale: options.timeScale,
      }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  readline.createInterface({ input: child.stderr! }).on('line', (line) => options.log(`[fleet] ${line}`));
  const started = Date.now();
  const count = await new Promise<number>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^ready (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the benchmark fleet exited (${code}) before it was ready`)));
  });
  options.log(`fleet of ${count} providers registered in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const [low, high] = options.gpusPerProvider;
  return { providers: count, gpus: Math.round((count * (low + high)) / 2), child, stop: () => stopChild(child) };
}
