import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { benchmarkFailure, markdownOf, newReport, writeReport } from './report.js';

describe('the report', () => {
  it('renders every table as Markdown with its note, in order', () => {
    const report = newReport('smoke');
    report.tables.push({
      title: 'First',
      note: 'A note.',
      columns: ['a', 'b'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
    });
    report.tables.push({ title: 'Second', columns: ['c'], rows: [] });
    const md = markdownOf(report);
    expect(md.startsWith('# Switchyard benchmark (smoke)\n')).toBe(true);
    expect(md).toContain(`Node ${process.version}`);
    expect(md).toContain('## First\n\nA note.\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n| 3 | 4 |\n');
    expect(md.indexOf('## First')).toBeLessThan(md.indexOf('## Second'));
    expect(md).toContain('## Second\n\n| c |\n| --- |\n');
  });

  it('writes report.json and report.md into the directory, creating it', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-report-')), 'nested', 'out');
    const report = newReport('full');
    report.sections.engine = { single: [] };
    const written = writeReport(report, dir);
    expect(JSON.parse(fs.readFileSync(written.json, 'utf8'))).toMatchObject({ mode: 'full', sections: { engine: { single: [] } } });
    expect(fs.readFileSync(written.markdown, 'utf8')).toBe(`${markdownOf(report)}\n`);
    fs.rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true });
  });
});

describe('benchmarkFailure', () => {
  const scenario = (accepted: number, unplaced: number, history = 'empty', backend = 'postgres') => ({
    backend,
    history,
    tier: 'REALTIME',
    rate: 100,
    accepted,
    unplaced,
  });

  it('is nothing when every system placed jobs, however slowly (timings never fail the run)', () => {
    expect(
      benchmarkFailure({ sections: { pipeline: { results: [scenario(300, 299)] }, growth: { results: [scenario(10, 0, '5,000 jobs')] } } }),
    ).toBeUndefined();
    expect(benchmarkFailure({ sections: {} })).toBeUndefined();
  });

  it('an overloaded scenario that placed nothing while others placed is a measurement, not a failure', () => {
    expect(benchmarkFailure({ sections: { pipeline: { results: [scenario(300, 0), scenario(400, 400)] } } })).toBeUndefined();
  });

  it('names each system (backend and history) whose scenarios placed no job at all', () => {
    const report = {
      sections: {
        pipeline: { results: [scenario(300, 300), scenario(5, 0, 'empty', 'kafka')] },
        growth: { results: [scenario(0, 0, '5,000 jobs')] },
      },
    };
    expect(benchmarkFailure(report)).toBe('no job placed on the postgres log, empty history; postgres log, 5,000 jobs history');
  });
});
