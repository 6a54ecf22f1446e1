// Property: whatever history of usage (redelivered or not, of one provider or of a gang split over
// providers), provider failures and epoch closes happens, the ledger keeps its invariants.
import { describe, expect, it } from '@jest/globals';
import { api, events } from '@switchyard/contracts/messages';
import fc from 'fast-check';
import { PAYOUTS_PAID, providerAccount } from './accounts.js';
import { LedgerBook } from './ledger-book.js';
import { at } from './ledger.fixtures.js';
import { assessPenalty, DEFAULT_PENALTY_POLICY, type JobSla } from './penalties.js';
import { postUsage, type GangMember, type MeteredUsage } from './post-usage.js';
import { postingTotal } from './posting.js';

const TENANTS = ['acme', 'globex', 'initech'];
const PROVIDERS = ['p-1', 'p-2', 'p-3', 'p-4'];
const TIERS = [api.Tier.TIER_REALTIME, api.Tier.TIER_STANDARD, api.Tier.TIER_BATCH, api.Tier.TIER_TRAINING];

type Step =
  | { kind: 'meter'; job: number; tenant: number; provider: number; earning: bigint; fee: bigint; gang: readonly number[] }
  | { kind: 'redeliver'; pick: number }
  | { kind: 'fail'; job: number; provider: number; tier: number; bySystem: boolean }
  | { kind: 'reverse'; pick: number }
  | { kind: 'close' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('meter' as const),
      job: fc.nat(15),
      tenant: fc.nat(TENANTS.length - 1),
      provider: fc.nat(PROVIDERS.length - 1),
      earning: fc.bigInt(0n, 10n ** 15n),
      fee: fc.bigInt(0n, 10n ** 12n),
      // GPUs of each provider after the lead in a gang (0: not a member); all 0 is a single provider.
      gang: fc.oneof(fc.constant([0, 0, 0]), fc.array(fc.nat(8), { minLength: 3, maxLength: 3 })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fail' as const),
      job: fc.nat(15),
      provider: fc.nat(PROVIDERS.length - 1),
      tier: fc.nat(TIERS.length - 1),
      bySystem: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reverse' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const) }) },
);

interface Delivered {
  usage: MeteredUsage;
  gang: GangMember[];
}

interface Run {
  book: LedgerBook;
  delivered: Delivered[];
  metered: Map<string, MeteredUsage>;
  /** What each provider earns of a usage: the provider's whole earning, or its gang share. */
  shares: Map<string, Map<string, bigint>>;
  /** The payout of each usage share, by `<usage id>/<provider id>`. */
  paid: Map<string, string>;
  reversed: Set<string>;
  payoutTotal: bigint;
}

function play(steps: readonly Step[]): Run {
  const run: Run = {
    book: new LedgerBook(),
    delivered: [],
    metered: new Map(),
    shares: new Map(),
    paid: new Map(),
    reversed: new Set(),
    payoutTotal: 0n,
  };
  let clock = 0;
  let epochs = 0;
  steps.forEach((step, index) => {
    clock += 1;
    switch (step.kind) {
      case 'meter': {
        const usage: MeteredUsage = {
          usageId: `u-${index}`,
          jobId: `job-${step.job}`,
          attempt: 1,
          reportId: `r-${index}`,
          tenantId: TENANTS[step.tenant]!,
          providerId: PROVIDERS[step.provider]!,
          earningBaseUnits: step.earning,
          feeBaseUnits: step.fee,
          chargeBaseUnits: step.earning + step.fee,
          meteredAt: at(clock),
        };
        const others = PROVIDERS.filter((provider) => provider !== usage.providerId);
        const members = step.gang.flatMap((gpuCount, i) => (gpuCount > 0 ? [{ providerId: others[i]!, gpuCount }] : []));
        const gang = members.length === 0 ? [] : [{ providerId: usage.providerId, gpuCount: 1 + (step.job % 4) }, ...members];
        run.delivered.push({ usage, gang });
        const posting = postUsage(usage, gang);
        if (run.book.recordUsage(usage, posting)) {
          run.metered.set(usage.usageId, usage);
          run.shares.set(
            usage.usageId,
            new Map(
              posting.entries
                .filter((e) => e.accountId.startsWith('provider:'))
                .map((e) => [e.accountId.slice('provider:'.length), e.amount]),
            ),
          );
        }
        break;
      }
      case 'redeliver': {
        const again = run.delivered[step.pick % Math.max(1, run.delivered.length)];
        if (again) expect(run.book.recordUsage(again.usage, postUsage(again.usage, again.gang))).toBe(false);
        break;
      }
      case 'fail': {
        const job: JobSla = {
          jobId: `job-${step.job}`,
          tenantId: TENANTS[step.job % TENANTS.length]!,
          tier: TIERS[step.tier]!,
          providerId: PROVIDERS[step.provider]!,
          attempt: 1,
          placedEventId: `placed-${step.job}`,
          maxLatencyMs: 0,
          chargedBaseUnits: [...run.metered.values()]
            .filter((u) => u.jobId === `job-${step.job}`)
            .reduce((s, u) => s + u.chargeBaseUnits, 0n),
        };
        const decision = assessPenalty(
          job,
          {
            kind: 'failed',
            eventId: `failed-${index}`,
            providerId: job.providerId,
            attempt: 1,
            source: step.bySystem ? events.FailureSource.FAILURE_SOURCE_SYSTEM : events.FailureSource.FAILURE_SOURCE_PROVIDER,
            category: api.FailureCategory.FAILURE_CATEGORY_HARDWARE,
            at: at(clock),
          },
          DEFAULT_PENALTY_POLICY,
        );
        if (decision) run.book.recordPenalty(decision.penalty, decision.posting);
        break;
      }
      case 'reverse': {
        // A correction: only an unpaid, unreversed usage can be reversed; the book refuses the rest.
        const candidates = [...run.metered.keys()];
        const usageId = candidates[step.pick % Math.max(1, candidates.length)];
        if (usageId === undefined) break;
        if ([...run.shares.get(usageId)!.keys()].some((provider) => run.paid.has(`${usageId}/${provider}`)) || run.reversed.has(usageId)) {
          expect(() => run.book.reverse(`usage:${usageId}`, at(clock))).toThrow();
        } else {
          run.book.reverse(`usage:${usageId}`, at(clock));
          run.reversed.add(usageId);
        }
        break;
      }
      case 'close': {
        epochs += 1;
        const closing = run.book.closeEpoch({ epochId: `epoch-${epochs}`, cutoff: at(clock), closedAt: at(clock) });
        for (const payout of closing.payouts) {
          expect(payout.amountBaseUnits).toBeGreaterThan(0n);
          for (const usageId of payout.statement.usageIds) {
            expect(run.paid.has(`${usageId}/${payout.providerId}`)).toBe(false);
            expect(run.shares.get(usageId)?.has(payout.providerId)).toBe(true);
            run.paid.set(`${usageId}/${payout.providerId}`, payout.payoutId);
          }
          run.payoutTotal += payout.amountBaseUnits;
        }
        expect(closing.epochClosed.totalBaseUnits).toBe(closing.payouts.reduce((s, p) => s + p.amountBaseUnits, 0n));
        break;
      }
    }
  });
  return run;
}

describe('ledger invariants over random histories', () => {
  it('every posting sums to zero; each usage id is posted once and each share of it paid at most once; balances are sums of postings; metered = paid + unpaid + reversed', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const { book, metered, shares, paid, reversed, payoutTotal } = play(steps);
        const postings = book.allPostings();

        for (const posting of postings) expect(postingTotal(posting.entries)).toBe(0n);

        const reversals = postings.filter((p) => p.kind === 'REVERSAL').map((p) => p.reversesPostingId);
        expect(new Set(reversals).size).toBe(reversals.length);
        const usageSources = postings.filter((p) => p.kind === 'USAGE').map((p) => p.sourceId);
        expect(new Set(usageSources).size).toBe(usageSources.length);
        expect(new Set(usageSources)).toEqual(new Set(metered.keys()));

        const summed = new Map<string, bigint>();
        for (const entry of postings.flatMap((p) => p.entries))
          summed.set(entry.accountId, (summed.get(entry.accountId) ?? 0n) + entry.amount);
        for (const [account, balance] of book.balances()) expect(balance).toBe(summed.get(account) ?? 0n);
        expect([...book.balances().values()].reduce((s, b) => s + b, 0n)).toBe(0n);

        // Each usage's shares are its whole earning, each credited to a different provider.
        for (const [usageId, usage] of metered)
          expect([...shares.get(usageId)!.values()].reduce((s, a) => s + a, 0n)).toBe(usage.earningBaseUnits);

        // metered = paid + unpaid (+ reversed, which is neither), in usage shares and in base units.
        const allShares = [...shares].flatMap(([usageId, byProvider]) =>
          [...byProvider.keys()].map((provider) => `${usageId}/${provider}`),
        );
        const open = new Set(book.openItems().flatMap((item) => (item.kind === 'usage' ? [`${item.usageId}/${item.providerId}`] : [])));
        const reversedShares = new Set(allShares.filter((share) => reversed.has(share.slice(0, share.indexOf('/')))));
        for (const share of allShares)
          expect([paid.has(share), open.has(share), reversedShares.has(share)].filter(Boolean)).toHaveLength(1);
        const earnings = (ids: Iterable<string>): bigint =>
          [...ids].reduce((s, id) => s + shares.get(id.slice(0, id.indexOf('/')))!.get(id.slice(id.indexOf('/') + 1))!, 0n);
        expect(earnings(allShares)).toBe(earnings(paid.keys()) + earnings(open) + earnings(reversedShares));

        // What left the ledger is what the payouts paid, and each provider's payable is what it is still owed.
        expect(book.balance(PAYOUTS_PAID)).toBe(payoutTotal);
        for (const provider of PROVIDERS) {
          const owed = book
            .openItems()
            .filter((item) => item.providerId === provider)
            .reduce((s, item) => (item.kind === 'usage' ? s + item.earningBaseUnits : s - item.amountBaseUnits), 0n);
          expect(book.balance(providerAccount(provider))).toBe(owed);
        }
      }),
      { numRuns: 3_000, seed: 20261124 },
    );
  });
});
