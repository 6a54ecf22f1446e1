import { describe, expect, it } from '@jest/globals';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { parseLogPosition, parseWindow } from './log-position.js';

describe('window bounds', () => {
  it('reads whole numbers as offsets, RFC 3339 as times (UTC when no offset), beginning/end as open', () => {
    expect(parseLogPosition('--from', '1200')).toEqual({ offset: '1200' });
    expect(parseLogPosition('--from', '2026-11-24T10:00:00Z')).toEqual({ time: new Date('2026-11-24T10:00:00.000Z') });
    expect(parseLogPosition('--from', '2026-11-24T10:00:00')).toEqual({ time: new Date('2026-11-24T10:00:00.000Z') });
    expect(parseLogPosition('--from', '2026-11-24T11:00:00+01:00')).toEqual({ time: new Date('2026-11-24T10:00:00.000Z') });
    expect(parseLogPosition('--from', 'beginning')).toBeUndefined();
    expect(parseLogPosition('--to', 'end')).toBeUndefined();
    expect(parseLogPosition('--to', undefined)).toBeUndefined();
  });

  it.each(['yesterday', '-5', '12.5', '2026-13-45T99:00:00Z', '24/11/2026'])('rejects %s as a usage error', (value) => {
    const attempt = () => parseLogPosition('--from', value);
    expect(attempt).toThrow(CliError);
    expect(attempt).toThrow(`malformed --from "${value}"`);
    try {
      attempt();
    } catch (error) {
      expect((error as CliError).exitCode).toBe(ExitCode.USAGE);
    }
  });

  it('rejects a reversed window in the same unit', () => {
    expect(() => parseWindow('2026-11-25T00:00:00Z', '2026-11-24T00:00:00Z')).toThrow('is after --to');
    expect(() => parseWindow('10', '5')).toThrow('--from offset 10 is after --to offset 5');
    expect(parseWindow('5', '2026-11-24T00:00:00Z')).toEqual({ from: { offset: '5' }, to: { time: new Date('2026-11-24T00:00:00Z') } });
  });
});
