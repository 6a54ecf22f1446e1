// A fault as `explain` and `timeline` show it: whose it was and what followed (the table of
// docs/failure-categories.md, from @switchyard/contracts' consequencesOf).
import { consequencesOf, enumLabel, events } from '@switchyard/contracts';

/** `PROVIDER`, `WORKLOAD`, …; '' when none was recorded (events written before faults were). */
export function faultLabel(fault: unknown): string {
  if (fault === undefined || fault === null) return '';
  const value = events.faultFromJSON(fault);
  return value === events.Fault.FAULT_UNSPECIFIED || value === events.Fault.UNRECOGNIZED ? '' : enumLabel(events.Fault, value);
}

/** `PROVIDER: retried, provider excluded, counts against its reputation, tenant not charged, provider penalised`. */
export function faultSummary(fault: unknown): string {
  const label = faultLabel(fault);
  if (label === '') return '';
  const c = consequencesOf(events.faultFromJSON(fault));
  const parts = [
    c.retry ? 'retried' : 'not retried',
    ...(c.exclude ? ['provider excluded'] : []),
    c.reputation ? 'counts against its reputation' : 'reputation unchanged',
    c.chargeTenant ? 'tenant charged' : 'tenant not charged',
    c.penalise ? 'provider penalised' : 'no penalty',
  ];
  return `${label}: ${parts.join(', ')}`;
}
