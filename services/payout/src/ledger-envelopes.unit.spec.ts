import { describe, expect, it } from '@jest/globals';
import { events } from '@switchyard/contracts';
import { postUsage } from './domain/index.js';
import { usage } from './domain/ledger.fixtures.js';
import { decodePayload } from './incoming-events.js';
import { postingRecorded } from './ledger-envelopes.js';

describe('ledger envelopes', () => {
  it('carries a posting as LedgerEvent JSON with int64 amounts as decimal strings, keyed by posting id', () => {
    const big = 9_007_199_254_740_993n;
    const envelope = postingRecorded(postUsage(usage({ chargeBaseUnits: big + 1n, earningBaseUnits: big, feeBaseUnits: 1n })), { causationId: 'evt-1' });

    expect(envelope).toMatchObject({ type: 'switchyard.events.v1.PostingRecorded', subject: 'usage:usage-1', causationId: 'evt-1', source: '/switchyard/payout' });
    const decoded = events.LedgerEvent.fromJSON(envelope.data).postingRecorded;
    expect(decoded?.kind).toBe(events.PostingKind.POSTING_KIND_USAGE);
    expect(decoded?.entries.map((entry) => entry.amountBaseUnits)).toEqual(['-9007199254740994', '9007199254740993', '1']);
  });

  it('derives the event id from the posting, so a replayed decision has the same ce_id', () => {
    const posting = postUsage(usage());
    expect(postingRecorded(posting, {}).id).toBe(postingRecorded(posting, { causationId: 'other' }).id);
    expect(postingRecorded(posting, {}).id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('decodePayload', () => {
  const message = { usageId: 'u-1', tenantChargeBaseUnits: '10' };

  it('reads the message from the topic envelope or bare', () => {
    expect(decodePayload({ usageMetered: message }, 'usageMetered', events.UsageMetered).usageId).toBe('u-1');
    expect(decodePayload(message, 'usageMetered', events.UsageMetered).tenantChargeBaseUnits).toBe('10');
  });

  it('refuses a payload that is not an object', () => {
    expect(() => decodePayload('nope', 'usageMetered', events.UsageMetered)).toThrow(/not a JSON object/);
  });
});
