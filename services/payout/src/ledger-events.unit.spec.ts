import { describe, expect, it } from '@jest/globals';
import { events, readEvent } from '@switchyard/contracts';
import { closeEpoch, penaltyPosting, postUsage, type Penalty } from './domain/index.js';
import { at, usage } from './domain/ledger.fixtures.js';
import { epochClosed, payoutIssued, penaltyAssessed, postingRecorded, spendingCapExceeded } from './ledger-events.js';

const penalty: Penalty = {
  penaltyId: 'penalty:job-1:1',
  providerId: 'p-1',
  jobId: 'job-1',
  attempt: 1,
  amountBaseUnits: 50n,
  reason: 'FAILED_BY_PROVIDER',
  justifyingEventIds: ['e-placed', 'e-failed'],
  policyVersion: 'v1',
  assessedAt: at(10),
};

describe('ledger events', () => {
  it('carries a posting as LedgerEvent JSON with int64 amounts as decimal strings, keyed by its source id', () => {
    const big = 9_007_199_254_740_993n;
    const envelope = postingRecorded(postUsage(usage({ chargeBaseUnits: big + 1n, earningBaseUnits: big, feeBaseUnits: 1n })), {
      causationId: 'evt-1',
    });

    expect(envelope).toMatchObject({
      type: 'switchyard.events.v1.PostingRecorded',
      subject: 'usage-1',
      causationId: 'evt-1',
      source: '/switchyard/payout',
    });
    const decoded = readEvent('ledger', envelope)?.postingRecorded;
    expect(decoded?.kind).toBe(events.PostingKind.POSTING_KIND_USAGE);
    expect(decoded?.entries.map((entry) => entry.amountBaseUnits)).toEqual(['-9007199254740994', '9007199254740993', '1']);
  });

  it('keys a penalty and its posting alike, so one job penalty and its posting stay in order on one partition', () => {
    const assessed = penaltyAssessed(penalty, { causationId: 'e-failed' });
    const posted = postingRecorded(penaltyPosting(penalty), { causationId: 'e-failed' });
    expect([assessed.subject, posted.subject]).toEqual(['penalty:job-1:1', 'penalty:job-1:1']);
    expect(assessed.correlationId).toBe('job-1');
  });

  it('derives the event id from the ledger id, so a replayed decision has the same ce_id', () => {
    const posting = postUsage(usage());
    expect(postingRecorded(posting, {}).id).toBe(postingRecorded(posting, { causationId: 'other' }).id);
    expect(postingRecorded(posting, {}).id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The id payout wrote for this posting before the envelope builder was shared (sha256 of
    // "switchyard/payout/postingRecorded:usage:usage-1"): records already on the log keep deduplicating.
    expect(postingRecorded(posting, {}).id).toBe('9af39cfe-ae87-5ea1-a8de-de5e877d5b3b');
  });

  it('never gives two distinct ledger events one id: a penalty and its posting, a payout and its posting, the epoch, a cap alert', () => {
    const closing = closeEpoch(
      [
        { kind: 'usage', usageId: 'usage-1', providerId: 'p-1', earningBaseUnits: 100n, at: at(1) },
        { kind: 'usage', usageId: 'usage-2', providerId: 'p-2', earningBaseUnits: 100n, at: at(2) },
      ],
      { epochId: 'epoch-000001', cutoff: at(100), closedAt: at(100) },
    );
    const cause = { causationId: 'same-cause' };
    const alert = { tenantId: 'acme', capBaseUnits: 10n, spentBaseUnits: 20n, windowStart: at(0), detectedAt: at(3) };
    const all = [
      postingRecorded(postUsage(usage({ usageId: 'usage-1' })), cause),
      postingRecorded(postUsage(usage({ usageId: 'usage-2' })), cause),
      penaltyAssessed(penalty, cause),
      postingRecorded(penaltyPosting(penalty), cause),
      ...closing.payouts.flatMap((payout) => [payoutIssued(payout, cause), postingRecorded(payout.posting, cause)]),
      epochClosed(closing.epochClosed, cause),
      spendingCapExceeded(alert, 'usage-1', cause),
      spendingCapExceeded(alert, 'usage-2', cause),
    ];
    expect(closing.payouts).toHaveLength(2);
    const ids = all.map((envelope) => envelope.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
