// The rate-card file as written (snake_case, YAML or JSON); parse-rate-cards.ts turns it into the
// domain's RateCard. Money is integer base units: YAML integers are read as bigint, and decimal
// strings are accepted too for JSON writers that cannot emit integers above 2^53.
import { z } from 'zod';
import { INT64_MAX } from '../domain/index.js';

export const TIER_KEYS = ['REALTIME', 'STANDARD', 'BATCH', 'TRAINING'] as const;
export type TierKey = (typeof TIER_KEYS)[number];

const baseUnits = z
  .union(
    [z.bigint(), z.string().regex(/^\d+$/, 'must be a non-negative integer (base units), written without separators').transform(BigInt)],
    {
      error: (issue) =>
        typeof issue.input === 'number'
          ? 'must be an integer number of base units, not a fraction'
          : 'must be a non-negative integer (base units)',
    },
  )
  .refine((value) => value >= 0n, 'must not be negative')
  .refine((value) => value <= INT64_MAX, 'must fit in int64 (at most 9223372036854775807)');

const rfc3339 = z
  .string({ error: 'must be an RFC 3339 time with a zone, e.g. "2026-12-01T00:00:00Z"' })
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/,
    'must be an RFC 3339 time with a zone and at most milliseconds, e.g. "2026-12-01T00:00:00Z"',
  )
  .refine((value) => !Number.isNaN(Date.parse(value)), 'is not a real date');

const gpuClassRates = z.strictObject({
  per_gpu_hour: baseUnits,
  per_1k_tokens: baseUnits,
  per_gib: baseUnits,
  minimum_charge: baseUnits,
  // Per GB (10^9 bytes) of job inputs the provider fetched; absent = 0 (versions before it).
  per_gb_fetched: baseUnits.optional(),
});

const gpuClassName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'GPU class names are lowercase letters, digits, ".", "_" or "-" (e.g. "h100-80g")');

const tierPrices = z.record(gpuClassName, gpuClassRates).refine((classes) => Object.keys(classes).length > 0, 'prices no GPU class');

export const rateCardVersionSchema = z.strictObject({
  version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-"'),
  effective_from: rfc3339,
  protocol_fee_bps: baseUnits.refine((bps) => bps <= 10_000n, 'must be between 0 and 10000 basis points'),
  prices: z
    .partialRecord(z.enum(TIER_KEYS, { error: `tiers are ${TIER_KEYS.join(', ')}` }), tierPrices)
    .refine((tiers) => Object.keys(tiers).length > 0, 'prices no tier'),
});

export const rateCardFileSchema = z.strictObject({
  versions: z.array(rateCardVersionSchema).min(1, 'lists no version'),
});

export type RateCardFile = z.infer<typeof rateCardFileSchema>;
