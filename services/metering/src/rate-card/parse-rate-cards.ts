// Rate-card file text -> validated, frozen RateCard versions. Every issue is reported with its
// path and line in one RateCardError, so one run shows all that needs fixing.
import { api } from '@switchyard/contracts';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { GpuClassRates, PricedTier, RateCard } from '../domain/index.js';
import { RateCardError, type RateCardIssue } from './rate-card-error.js';
import { rateCardFileSchema, TIER_KEYS, type RateCardFile, type TierKey } from './rate-card.schema.js';

const TIER_OF_KEY: Readonly<Record<TierKey, PricedTier>> = {
  REALTIME: api.Tier.TIER_REALTIME,
  STANDARD: api.Tier.TIER_STANDARD,
  BATCH: api.Tier.TIER_BATCH,
  TRAINING: api.Tier.TIER_TRAINING,
};

/** Parses YAML (or JSON, being YAML) into rate-card versions ordered by effective time. */
export function parseRateCards(text: string, source: string): readonly RateCard[] {
  const lines = new LineCounter();
  // intAsBigInt: integers above 2^53 must reach the schema exactly.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, intAsBigInt: true });
  if (doc.errors.length > 0) {
    throw new RateCardError(
      source,
      doc.errors.map((error) => ({ path: '', message: error.message.split('\n')[0] ?? error.message, line: error.linePos?.[0].line })),
    );
  }
  const result = rateCardFileSchema.safeParse(doc.toJS());
  if (!result.success)
    throw new RateCardError(
      source,
      result.error.issues.flatMap((issue) => toIssues(issue, doc, lines)),
    );
  const crossIssues = versionOrderIssues(result.data, doc, lines);
  if (crossIssues.length > 0) throw new RateCardError(source, crossIssues);
  return Object.freeze(result.data.versions.map(toRateCard));
}

type FileVersion = RateCardFile['versions'][number];
type FileRates = NonNullable<FileVersion['prices'][TierKey]>[string];

function toRateCard(version: FileVersion): RateCard {
  const rates = new Map<PricedTier, ReadonlyMap<string, GpuClassRates>>();
  for (const tierKey of TIER_KEYS) {
    const classes: Record<string, FileRates> | undefined = version.prices[tierKey];
    if (classes === undefined) continue;
    const byClass = new Map<string, GpuClassRates>(
      Object.entries(classes).map(([gpuClass, price]) => [
        gpuClass,
        Object.freeze({
          perGpuHour: price.per_gpu_hour,
          per1kTokens: price.per_1k_tokens,
          perGib: price.per_gib,
          minimumCharge: price.minimum_charge,
          ...(price.per_gb_fetched === undefined ? {} : { perGbFetched: price.per_gb_fetched }),
        }),
      ]),
    );
    rates.set(TIER_OF_KEY[tierKey], byClass);
  }
  return Object.freeze({
    version: version.version,
    effectiveFromMs: Date.parse(version.effective_from),
    protocolFeeBps: version.protocol_fee_bps,
    rates,
  });
}

/** Versions are listed oldest first with distinct ids and strictly increasing effective times. */
function versionOrderIssues(file: RateCardFile, doc: Document, lines: LineCounter): RateCardIssue[] {
  const issues: RateCardIssue[] = [];
  const seen = new Set<string>();
  file.versions.forEach((version, index) => {
    if (seen.has(version.version))
      issues.push(issueAt(['versions', index, 'version'], `duplicate version "${version.version}"`, doc, lines));
    seen.add(version.version);
    const previous = file.versions[index - 1];
    if (previous && Date.parse(version.effective_from) <= Date.parse(previous.effective_from)) {
      issues.push(
        issueAt(
          ['versions', index, 'effective_from'],
          `must be later than the previous version's (${previous.effective_from}); list versions oldest first`,
          doc,
          lines,
        ),
      );
    }
  });
  return issues;
}

function toIssues(issue: z.core.$ZodIssue, doc: Document, lines: LineCounter): RateCardIssue[] {
  if (issue.code === 'unrecognized_keys') {
    const inPrices = issue.path.at(-1) === 'prices';
    return issue.keys.map((key) => ({
      path: formatPath([...issue.path, key]),
      message: inPrices ? `unknown tier "${key}"; tiers are ${TIER_KEYS.join(', ')}` : `unknown field "${key}"`,
      ...keyLineOf(issue.path, key, doc, lines),
    }));
  }
  if (issue.code === 'invalid_key') {
    const key = issue.path.at(-1);
    return [
      {
        path: formatPath(issue.path),
        message: `"${String(key)}": ${issue.issues[0]?.message ?? issue.message}`,
        ...keyLineOf(issue.path.slice(0, -1), key ?? '', doc, lines),
      },
    ];
  }
  const present = doc.hasIn(issue.path as unknown[]) || issue.path.length === 0;
  return [issueAt(issue.path, present ? issue.message : 'missing required field', doc, lines)];
}

function issueAt(path: readonly PropertyKey[], message: string, doc: Document, lines: LineCounter): RateCardIssue {
  return { path: formatPath(path), message, ...lineOf(path, doc, lines) };
}

/** Line of the node at `path`, or of its nearest ancestor that exists. */
function lineOf(path: readonly PropertyKey[], doc: Document, lines: LineCounter): { line?: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    const offset = depth === 0 ? doc.contents?.range?.[0] : node?.range?.[0];
    if (offset !== undefined) return { line: lines.linePos(offset).line };
  }
  return {};
}

/** Line of the key `key` in the map at `mapPath` (an unknown or invalid key is best shown where it is written). */
function keyLineOf(mapPath: readonly PropertyKey[], key: PropertyKey, doc: Document, lines: LineCounter): { line?: number } {
  const map = doc.getIn(mapPath as unknown[], true);
  const pair = isMap(map) ? map.items.find((item) => isScalar(item.key) && item.key.value === key) : undefined;
  const offset = pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
  return offset === undefined ? lineOf([...mapPath, key], doc, lines) : { line: lines.linePos(offset).line };
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : `${i > 0 ? '.' : ''}${String(segment)}`)).join('');
}
