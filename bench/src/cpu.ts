// CPU time per process of the benchmark's system, from /proc (Linux): each service, the fleet,
// every PostgreSQL server process (the postmaster and its backends), the Kafka broker (java) and
// this process (load generator and watcher). A scenario's share per process says what limits it.
import fs from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export type CpuSample = ReadonlyMap<string, number>;

function cpuSecondsOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command is in parentheses and may contain spaces: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function processesNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** CPU seconds used so far by each named process (and the PostgreSQL and Kafka servers, summed). */
export function sampleCpu(named: Readonly<Record<string, number | undefined>>): CpuSample {
  const sample = new Map<string, number>();
  for (const [name, pid] of Object.entries(named)) if (pid !== undefined) sample.set(name, cpuSecondsOf(pid));
  sample.set(
    'postgresql',
    processesNamed('postgres').reduce((n, pid) => n + cpuSecondsOf(pid), 0),
  );
  sample.set(
    'kafka',
    processesNamed('java').reduce((n, pid) => n + cpuSecondsOf(pid), 0),
  );
  const self = process.cpuUsage();
  sample.set('bench (load, watcher)', (self.user + self.system) / 1e6);
  return sample;
}

/** Cores used by each process between two samples taken `seconds` apart. */
export function coresBetween(before: CpuSample, after: CpuSample, seconds: number): Record<string, number> {
  const cores: Record<string, number> = {};
  for (const [name, end] of after) cores[name] = Math.max(0, end - (before.get(name) ?? 0)) / Math.max(0.001, seconds);
  return cores;
}
