import { describe, expect, it } from '@jest/globals';
import { at } from './ledger.fixtures.js';
import { checkSpendingCap, fitsUnderCap, remainingCap, spendWindowOf } from './spending-cap.js';

const check = { tenantId: 'acme', capBaseUnits: 1_000n, windowStart: at(0), at: at(50) };

describe('spending cap', () => {
  it('remainingCap is the cap minus what is committed, never negative', () => {
    expect(remainingCap(1_000n, 400n)).toBe(600n);
    expect(remainingCap(1_000n, 1_400n)).toBe(0n);
  });

  it('a worst-case quote fits when it is at most what is left', () => {
    expect(fitsUnderCap(1_000n, 400n, 600n)).toBe(true);
    expect(fitsUnderCap(1_000n, 400n, 601n)).toBe(false);
  });

  it('given spend under the cap, when usage pushes it past, then SpendingCapExceeded with the new total', () => {
    expect(checkSpendingCap({ ...check, spentBeforeBaseUnits: 900n, chargeBaseUnits: 200n })).toEqual({
      tenantId: 'acme',
      capBaseUnits: 1_000n,
      spentBaseUnits: 1_100n,
      windowStart: at(0),
      detectedAt: at(50),
    });
  });

  it('reaching the cap exactly is not exceeding it', () => {
    expect(checkSpendingCap({ ...check, spentBeforeBaseUnits: 900n, chargeBaseUnits: 100n })).toBeUndefined();
  });

  it('alerts once per crossing: usage already past the cap raises nothing more', () => {
    expect(checkSpendingCap({ ...check, spentBeforeBaseUnits: 1_100n, chargeBaseUnits: 10n })).toBeUndefined();
  });

  it('the window opens at the last cutoff: a charge metered at or after it counts, one metered before belongs to a closed epoch', () => {
    expect(spendWindowOf(at(10), at(10))).toEqual({ start: at(10), counts: true });
    expect(spendWindowOf(at(9), at(10))).toEqual({ start: at(10), counts: false });
  });

  it('before any epoch closed, the window is all of time', () => {
    expect(spendWindowOf(at(0), undefined)).toEqual({ start: new Date(0), counts: true });
  });

  it('a tenant without a cap is never alerted', () => {
    expect(checkSpendingCap({ ...check, capBaseUnits: undefined, spentBeforeBaseUnits: 0n, chargeBaseUnits: 10n ** 30n })).toBeUndefined();
  });
});
