// Command-line options of `pnpm bench`.
export interface BenchOptions {
  readonly smoke: boolean;
  readonly only: ReadonlySet<string>;
  readonly backends: readonly ('postgres' | 'kafka')[];
  readonly rates: readonly number[] | undefined;
  readonly providers: number | undefined;
  readonly durationMs: number | undefined;
  readonly profileDir: string | undefined;
  readonly outDir: string | undefined;
  /** Jobs of history the growth section seeds (`--history N`). */
  readonly historyJobs: number;
}

export const SECTIONS = ['engine', 'ceiling', 'pipeline', 'growth'] as const;

const USAGE = `usage: pnpm bench [--smoke] [--only ${SECTIONS.join(',')}] [--backend postgres,kafka]
                  [--rates 100,500] [--providers N] [--duration-ms N] [--history N]
                  [--profile DIR] [--out DIR]
  --smoke     a small run for CI (numbers printed, nothing asserted)
  --only      run only these sections (default: all)
  --backend   event log backends for the pipeline (default: postgres,kafka; smoke: postgres)
  --profile   write a CPU profile of every service (node --cpu-prof) into DIR
  --history   jobs of history seeded before the growth section reruns the pipeline
              (default: 1,000,000; smoke: 5,000; --history-jobs is the same)
  --out       where report.json and report.md go (default: .bench/<full|smoke>)`;

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): BenchOptions {
  const values = new Map<string, string>();
  let smoke = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    if (arg === '--help' || arg === '-h') throw new UsageError(USAGE);
    if (arg === '--smoke') {
      smoke = true;
      continue;
    }
    const [name, inline] = arg.split('=', 2) as [string, string | undefined];
    if (
      !['--only', '--backend', '--rates', '--providers', '--duration-ms', '--profile', '--out', '--history', '--history-jobs'].includes(
        name,
      )
    ) {
      throw new UsageError(`unknown option ${arg}\n${USAGE}`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value\n${USAGE}`);
    values.set(name === '--history' ? '--history-jobs' : name, value);
  }
  const list = (name: string): string[] | undefined =>
    values
      .get(name)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const positive = (name: string): number | undefined => {
    const raw = values.get(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, not ${raw}`);
    return n;
  };
  const only = list('--only') ?? [...SECTIONS];
  for (const section of only) {
    if (!(SECTIONS as readonly string[]).includes(section))
      throw new UsageError(`unknown section ${section}; expected ${SECTIONS.join(', ')}`);
  }
  const backends = list('--backend') ?? (smoke ? ['postgres'] : ['postgres', 'kafka']);
  for (const backend of backends) {
    if (backend !== 'postgres' && backend !== 'kafka') throw new UsageError(`unknown backend ${backend}; expected postgres or kafka`);
  }
  const rates = list('--rates')?.map((r) => {
    const n = Number(r);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--rates must be positive numbers, not ${r}`);
    return n;
  });
  return {
    smoke,
    only: new Set(only),
    backends: backends as ('postgres' | 'kafka')[],
    rates,
    providers: positive('--providers'),
    durationMs: positive('--duration-ms'),
    profileDir: values.get('--profile'),
    outDir: values.get('--out'),
    historyJobs: Math.round(positive('--history-jobs') ?? (smoke ? 5_000 : 1_000_000)),
  };
}
