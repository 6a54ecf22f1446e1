import cliProgress from 'cli-progress';
import type { Output } from './terminal.js';

/** Progress of a long operation: a bar with counts and ETA on a terminal's stderr, nothing otherwise. */
export interface Progress {
  /** Sets the expected total (it may only be known, or known better, after the read starts). */
  total(total: number): void;
  increment(by?: number): void;
  stop(): void;
}

const silent: Progress = { total: () => undefined, increment: () => undefined, stop: () => undefined };

export function startProgress(output: Output, label: string, total: number): Progress {
  if (output.stderr.isTTY !== true) return silent;
  const bar = new cliProgress.SingleBar(
    {
      stream: output.stderr,
      format: `${label} [{bar}] {value}/{total} events | {percentage}% | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 200,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(total, 1), 0);
  let value = 0;
  let expected = Math.max(total, 1);
  return {
    total(next) {
      expected = Math.max(next, value, 1);
      bar.setTotal(expected);
    },
    increment(by = 1) {
      value += by;
      if (value > expected) this.total(value);
      bar.increment(by);
    },
    stop() {
      bar.stop();
    },
  };
}
