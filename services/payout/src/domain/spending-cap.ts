// A tenant's spending cap per epoch. Intake refuses a submission whose worst-case quote exceeds
// what is left (remainingCap); usage that still pushes a tenant past its cap (a job running longer
// than quoted, several jobs at once) raises a SpendingCapExceeded alert, once per crossing.

export interface SpendingCapExceeded {
  readonly tenantId: string;
  readonly capBaseUnits: bigint;
  readonly spentBaseUnits: bigint;
  readonly windowStart: Date;
  readonly detectedAt: Date;
}

/** What the tenant may still commit in the epoch; never negative. */
export function remainingCap(capBaseUnits: bigint, committedBaseUnits: bigint): bigint {
  const left = capBaseUnits - committedBaseUnits;
  return left > 0n ? left : 0n;
}

/** Whether a submission quoted at `worstCaseBaseUnits` fits in what is left of the cap. */
export function fitsUnderCap(capBaseUnits: bigint, committedBaseUnits: bigint, worstCaseBaseUnits: bigint): boolean {
  return worstCaseBaseUnits <= remainingCap(capBaseUnits, committedBaseUnits);
}

/** The cap's window for a charge: it opens at the last epoch's cutoff (or at the start of time). */
export interface SpendWindow {
  readonly start: Date;
  /** Whether the charge counts toward the window's spend: one metered before the cutoff belongs to a closed epoch. */
  readonly counts: boolean;
}

/** Which window a charge metered at `meteredAt` falls in, given the last closed epoch's cutoff. */
export function spendWindowOf(meteredAt: Date, lastCutoff: Date | undefined): SpendWindow {
  const start = lastCutoff ?? new Date(0);
  return { start, counts: meteredAt.getTime() >= start.getTime() };
}

export interface CapCheck {
  readonly tenantId: string;
  /** Undefined: the tenant has no cap. */
  readonly capBaseUnits: bigint | undefined;
  /** The tenant's charges in the open epoch before this usage. */
  readonly spentBeforeBaseUnits: bigint;
  readonly chargeBaseUnits: bigint;
  readonly windowStart: Date;
  readonly at: Date;
}

/** The alert when this charge takes the tenant from at-or-under its cap to over it. */
export function checkSpendingCap(check: CapCheck): SpendingCapExceeded | undefined {
  if (check.capBaseUnits === undefined) return undefined;
  const after = check.spentBeforeBaseUnits + check.chargeBaseUnits;
  if (check.spentBeforeBaseUnits > check.capBaseUnits || after <= check.capBaseUnits) return undefined;
  return {
    tenantId: check.tenantId,
    capBaseUnits: check.capBaseUnits,
    spentBaseUnits: after,
    windowStart: check.windowStart,
    detectedAt: check.at,
  };
}
