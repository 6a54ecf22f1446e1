import { describe, expect, it } from '@jest/globals';
import { parseArgs, SECTIONS, UsageError } from './args.js';

describe('parseArgs', () => {
  it('runs every section on both backends with a million jobs of history by default', () => {
    const options = parseArgs([]);
    expect(options.smoke).toBe(false);
    expect([...options.only]).toEqual([...SECTIONS]);
    expect(options.backends).toEqual(['postgres', 'kafka']);
    expect(options.historyJobs).toBe(1_000_000);
    expect(options.outDir).toBeUndefined();
    expect(options.rates).toBeUndefined();
  });

  it('--smoke: every section, the PostgreSQL log only, a small history', () => {
    const options = parseArgs(['--smoke']);
    expect(options.smoke).toBe(true);
    expect([...options.only]).toEqual([...SECTIONS]);
    expect(options.backends).toEqual(['postgres']);
    expect(options.historyJobs).toBe(5_000);
  });

  it('--smoke keeps an explicit backend, history and output directory', () => {
    const options = parseArgs(['--smoke', '--backend', 'kafka', '--history', '300', '--out', '.bench/smoke']);
    expect(options.backends).toEqual(['kafka']);
    expect(options.historyJobs).toBe(300);
    expect(options.outDir).toBe('.bench/smoke');
  });

  it('takes values inline or as the next argument; --history-jobs is --history', () => {
    const options = parseArgs([
      '--rates=100,500',
      '--duration-ms',
      '2000',
      '--providers=1000',
      '--history-jobs=42',
      '--only',
      'pipeline,growth',
      '--',
    ]);
    expect(options.rates).toEqual([100, 500]);
    expect(options.durationMs).toBe(2000);
    expect(options.providers).toBe(1000);
    expect(options.historyJobs).toBe(42);
    expect([...options.only]).toEqual(['pipeline', 'growth']);
  });

  it('refuses unknown options, sections, backends and non-positive numbers', () => {
    expect(() => parseArgs(['--fast'])).toThrow(UsageError);
    expect(() => parseArgs(['--only', 'engine,turbo'])).toThrow(/unknown section turbo/);
    expect(() => parseArgs(['--backend', 'redis'])).toThrow(/unknown backend redis/);
    expect(() => parseArgs(['--rates', '100,-5'])).toThrow(/positive/);
    expect(() => parseArgs(['--history', '0'])).toThrow(/positive/);
    expect(() => parseArgs(['--out'])).toThrow(/needs a value/);
  });

  it('--help is a usage error whose message starts with the usage', () => {
    expect(() => parseArgs(['--help'])).toThrow(/^usage: pnpm bench/);
  });
});
