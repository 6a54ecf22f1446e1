// The benchmark's report: one JSON document with every figure, and a Markdown rendering of it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Table {
  readonly title: string;
  readonly note?: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface Report {
  readonly startedAt: string;
  readonly mode: 'full' | 'smoke';
  readonly machine: { cpus: string; cores: number; memoryGiB: number; node: string; platform: string };
  readonly sections: Record<string, unknown>;
  readonly tables: Table[];
}

export function newReport(mode: 'full' | 'smoke'): Report {
  const cpus = os.cpus();
  return {
    startedAt: new Date().toISOString(),
    mode,
    machine: {
      cpus: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
    },
    sections: {},
    tables: [],
  };
}

export function markdownOf(report: Report): string {
  const lines = [
    `# Switchyard benchmark (${report.mode})`,
    '',
    `Run ${report.startedAt} on ${report.machine.cores} × ${report.machine.cpus}, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}, ${report.machine.platform}.`,
    '',
  ];
  for (const table of report.tables) {
    lines.push(`## ${table.title}`, '');
    if (table.note) lines.push(table.note, '');
    lines.push(`| ${table.columns.join(' | ')} |`, `| ${table.columns.map(() => '---').join(' | ')} |`);
    for (const row of table.rows) lines.push(`| ${row.join(' | ')} |`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Writes report.json and report.md into `dir`; returns their paths. */
export function writeReport(report: Report, dir: string): { json: string; markdown: string } {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'report.json');
  const markdown = path.join(dir, 'report.md');
  fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(markdown, `${markdownOf(report)}\n`);
  return { json, markdown };
}

interface PlacedCounts {
  readonly backend: string;
  readonly history: string;
  readonly tier: string;
  readonly rate: number;
  readonly accepted: number;
  readonly unplaced: number;
}

/**
 * Why the run counts as failed, or undefined: a system (one backend, empty or seeded history)
 * whose scenarios together placed no job at all — the pipeline did not work. Never a timing:
 * an overloaded scenario that placed nothing while earlier ones drained is a measurement. A
 * section that threw fails the run before this is asked.
 */
export function benchmarkFailure(report: Pick<Report, 'sections'>): string | undefined {
  const scenarios: PlacedCounts[] = [];
  for (const name of ['pipeline', 'growth']) {
    const section = report.sections[name] as { results?: PlacedCounts[] } | undefined;
    scenarios.push(...(section?.results ?? []));
  }
  const placed = new Map<string, number>();
  for (const s of scenarios) {
    const system = `${s.backend} log, ${s.history} history`;
    placed.set(system, (placed.get(system) ?? 0) + Math.max(0, s.accepted - s.unplaced));
  }
  const dead = [...placed].filter(([, n]) => n === 0).map(([system]) => system);
  return dead.length === 0 ? undefined : `no job placed on the ${dead.join('; ')}`;
}
