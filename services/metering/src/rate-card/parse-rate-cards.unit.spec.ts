import { describe, expect, it } from '@jest/globals';
import { api } from '@switchyard/contracts';
import { rateCardAt } from '../domain/index.js';
import { defaultRateCardsPath, loadRateCards } from './load-rate-cards.js';
import { parseRateCards } from './parse-rate-cards.js';
import { RateCardError } from './rate-card-error.js';

const valid = `
versions:
  - version: v1
    effective_from: "2026-01-01T00:00:00Z"
    protocol_fee_bps: 250
    prices:
      BATCH:
        l4: { per_gpu_hour: 9223372036854775807, per_1k_tokens: "12", per_gib: 0, minimum_charge: 5 }
  - version: v2
    effective_from: "2026-06-01T00:00:00+02:00"
    protocol_fee_bps: 0
    prices:
      REALTIME:
        h100-80g: { per_gpu_hour: 1, per_1k_tokens: 2, per_gib: 3, minimum_charge: 4 }
`;

function issuesOf(text: string): string[] {
  try {
    parseRateCards(text, 'cards.yaml');
  } catch (error) {
    if (error instanceof RateCardError) return error.issues.map((i) => `${i.path}@${i.line ?? '?'}: ${i.message}`);
    throw error;
  }
  throw new Error('expected a RateCardError');
}

describe('parseRateCards', () => {
  it('reads versions, exact int64 prices (YAML integers and decimal strings) and zoned effective times', () => {
    const [v1, v2] = parseRateCards(valid, 'cards.yaml');
    expect(v1!.rates.get(api.Tier.TIER_BATCH)!.get('l4')).toEqual({
      perGpuHour: 9_223_372_036_854_775_807n,
      per1kTokens: 12n,
      perGib: 0n,
      minimumCharge: 5n,
    });
    expect(v1!.protocolFeeBps).toBe(250n);
    expect(v2!.effectiveFromMs).toBe(Date.parse('2026-05-31T22:00:00Z'));
    expect(v2!.rates.get(api.Tier.TIER_REALTIME)!.get('h100-80g')!.minimumCharge).toBe(4n);
  });

  it('lists every invalid field with its path and line', () => {
    const issues = issuesOf(`
versions:
  - version: v1
    effective_from: "2026-01-01"
    protocol_fee_bps: 10001
    prices:
      FAST:
        l4: { per_gpu_hour: 1, per_1k_tokens: 1, per_gib: 1, minimum_charge: 1 }
      BATCH:
        l4: { per_gpu_hour: 1.5, per_1k_tokens: -1, per_gib: 1, minimum_charge: 1, discount: 2 }
        A100: { per_gpu_hour: 1, per_1k_tokens: 1, per_gib: 1 }
`);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^versions\[0\]\.effective_from@4: must be an RFC 3339 time/),
        'versions[0].protocol_fee_bps@5: must be between 0 and 10000 basis points',
        'versions[0].prices.FAST@7: unknown tier "FAST"; tiers are REALTIME, STANDARD, BATCH, TRAINING',
        'versions[0].prices.BATCH.l4.per_gpu_hour@10: must be an integer number of base units, not a fraction',
        'versions[0].prices.BATCH.l4.per_1k_tokens@10: must not be negative',
        'versions[0].prices.BATCH.l4.discount@10: unknown field "discount"',
        expect.stringMatching(/^versions\[0\]\.prices\.BATCH\.A100@11: "A100": GPU class names are lowercase/),
      ]),
    );
  });

  it('reports a missing price field', () => {
    expect(issuesOf(valid.replace('per_gib: 3, minimum_charge: 4', 'per_gib: 3'))).toEqual([
      'versions[1].prices.REALTIME.h100-80g.minimum_charge@14: missing required field',
    ]);
  });

  it('requires distinct version ids listed oldest first', () => {
    const version = (id: string, from: string) =>
      `  - { version: ${id}, effective_from: "${from}", protocol_fee_bps: 0, prices: { BATCH: { l4: { per_gpu_hour: 1, per_1k_tokens: 1, per_gib: 1, minimum_charge: 1 } } } }\n`;
    const issues = issuesOf(`versions:\n${version('a', '2026-02-01T00:00:00Z')}${version('a', '2026-01-01T00:00:00Z')}`);
    expect(issues).toEqual([
      'versions[1].version@3: duplicate version "a"',
      "versions[1].effective_from@3: must be later than the previous version's (2026-02-01T00:00:00Z); list versions oldest first",
    ]);
  });

  it('reports YAML syntax errors and files without versions', () => {
    expect(issuesOf('versions: [')[0]).toMatch(/^@\d+: /);
    expect(issuesOf('versions: []')).toEqual(['versions@1: lists no version']);
  });
});

describe('the shipped rate card', () => {
  it('loads and prices every tier in the GPU classes providers register', async () => {
    const cards = await loadRateCards(defaultRateCardsPath);
    const current = rateCardAt(cards, Date.parse('2026-12-01T00:00:00Z'));
    expect([...current.rates.keys()]).toEqual([
      api.Tier.TIER_REALTIME,
      api.Tier.TIER_STANDARD,
      api.Tier.TIER_BATCH,
      api.Tier.TIER_TRAINING,
    ]);
    // The simulated fleet's classes (apps/provider-fleet) and the names used in examples.
    const inference = [api.Tier.TIER_REALTIME, api.Tier.TIER_STANDARD, api.Tier.TIER_BATCH] as const;
    const priced = inference.flatMap((tier) =>
      ['h100-80g', 'a100-80g', 'l4-24g', 'a10g-24g', 'l4'].map((gpuClass) => current.rates.get(tier)?.has(gpuClass)),
    );
    expect(priced.every(Boolean)).toBe(true);
    expect([...current.rates.get(api.Tier.TIER_TRAINING)!.keys()]).toEqual(['h100-80g', 'a100-80g']);
  });

  it('names an unreadable file in its error', async () => {
    await expect(loadRateCards('/nonexistent/cards.yaml')).rejects.toThrow(/\/nonexistent\/cards\.yaml[\s\S]*cannot read the file/);
  });
});
