// Placement policies the CLI can re-run decisions with: the versions shipped in the placement
// service's code (replay verify looks up the version a DecisionRecord names) and policy files
// given to `replay what-if --placement-policy`.
import { readFile } from 'node:fs/promises';
import { defaultPlacementPolicy, PLACED_TIERS, PLACEMENT_POLICY_VERSIONS, type PlacedTier, type PlacementPolicy } from '@switchyard/placement/domain';
import { parseDocument } from 'yaml';
import { notFound, usageError } from '../cli-error.js';

/** Every placement policy version the placement service has shipped (it keeps them all), so past decisions remain verifiable. */
export const KNOWN_PLACEMENT_POLICIES: ReadonlyMap<string, PlacementPolicy> = PLACEMENT_POLICY_VERSIONS;

export function placementPolicyOfVersion(version: string): PlacementPolicy | undefined {
  return KNOWN_PLACEMENT_POLICIES.get(version);
}

const WEIGHT_KEYS = ['latency', 'reputation', 'price', 'operatorSpread'] as const;
const TOP_KEYS = ['version', 'base', 'description', 'tiers', 'scales', 'maxAttempts', 'recordedCandidatesLimit'];

/**
 * A placement policy file (YAML or JSON): a `version`, an optional `base` version (default: the
 * shipped policy) and the fields that differ from it. Only what re-scoring uses may change:
 * per-tier `weights` and `operatorShareCapBp`, and `scales`.
 *
 * ```yaml
 * version: placement-2026-11-24.1
 * tiers:
 *   TIER_BATCH: { weights: { latency: 0.05, reputation: 0.15, price: 0.6, operatorSpread: 0.2 } }
 * ```
 */
export async function loadPlacementPolicyFile(path: string): Promise<PlacementPolicy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw usageError(`cannot read placement policy ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) throw usageError(`placement policy ${path} is not valid YAML/JSON: ${document.errors[0]!.message.split('\n')[0]}`);
  return placementPolicyFrom(document.toJS() as unknown, path);
}

export function placementPolicyFrom(raw: unknown, source: string): PlacementPolicy {
  const problems: string[] = [];
  if (!isRecord(raw)) throw usageError(`placement policy ${source}: expected a mapping with a version`);
  for (const key of Object.keys(raw)) if (!TOP_KEYS.includes(key)) problems.push(`unknown field "${key}"`);
  const version = raw.version;
  if (typeof version !== 'string' || version === '') problems.push('version: required, a string');
  const baseVersion = raw.base === undefined ? defaultPlacementPolicy.version : raw.base;
  const base = typeof baseVersion === 'string' ? placementPolicyOfVersion(baseVersion) : undefined;
  if (base === undefined) {
    throw notFound(`placement policy ${source}: unknown base version ${JSON.stringify(baseVersion)}; known: ${[...KNOWN_PLACEMENT_POLICIES.keys()].join(', ')}`);
  }
  const tiers = { ...base.tiers } as Record<PlacedTier, PlacementPolicy['tiers'][PlacedTier]>;
  if (raw.tiers !== undefined) {
    if (!isRecord(raw.tiers)) problems.push('tiers: expected a mapping of tier to settings');
    else
      for (const [tier, settings] of Object.entries(raw.tiers)) {
        if (!(PLACED_TIERS as readonly string[]).includes(tier)) {
          problems.push(`tiers.${tier}: unknown tier; expected one of ${PLACED_TIERS.join(', ')}`);
          continue;
        }
        tiers[tier as PlacedTier] = tierSettings(tiers[tier as PlacedTier], settings, `tiers.${tier}`, problems);
      }
  }
  const scales = raw.scales === undefined ? base.scales : scaleSettings(base.scales, raw.scales, problems);
  const maxAttempts = raw.maxAttempts === undefined ? base.maxAttempts : wholeNumber(raw.maxAttempts, 'maxAttempts', problems);
  const recordedCandidatesLimit =
    raw.recordedCandidatesLimit === undefined ? base.recordedCandidatesLimit : wholeNumber(raw.recordedCandidatesLimit, 'recordedCandidatesLimit', problems);
  if (problems.length > 0) throw usageError(`invalid placement policy ${source}: ${problems.join('; ')}`);
  return { ...base, version: version as string, tiers, scales, maxAttempts, recordedCandidatesLimit };
}

function tierSettings(base: PlacementPolicy['tiers'][PlacedTier], raw: unknown, path: string, problems: string[]): PlacementPolicy['tiers'][PlacedTier] {
  if (!isRecord(raw)) {
    problems.push(`${path}: expected { weights, operatorShareCapBp }`);
    return base;
  }
  for (const key of Object.keys(raw)) if (key !== 'weights' && key !== 'operatorShareCapBp') problems.push(`${path}: unknown field "${key}"`);
  const weights = { ...base.weights };
  if (raw.weights !== undefined) {
    if (!isRecord(raw.weights)) problems.push(`${path}.weights: expected a mapping`);
    else
      for (const [key, value] of Object.entries(raw.weights)) {
        if (!(WEIGHT_KEYS as readonly string[]).includes(key)) problems.push(`${path}.weights.${key}: unknown factor; expected ${WEIGHT_KEYS.join(', ')}`);
        else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) problems.push(`${path}.weights.${key}: expected a number >= 0`);
        else weights[key as (typeof WEIGHT_KEYS)[number]] = value;
      }
  }
  const cap = raw.operatorShareCapBp === undefined ? base.operatorShareCapBp : wholeNumber(raw.operatorShareCapBp, `${path}.operatorShareCapBp`, problems);
  return { weights, operatorShareCapBp: cap };
}

function scaleSettings(base: PlacementPolicy['scales'], raw: unknown, problems: string[]): PlacementPolicy['scales'] {
  if (!isRecord(raw)) {
    problems.push('scales: expected a mapping');
    return base;
  }
  const scales = { ...base, priceHalfByGpuClass: { ...base.priceHalfByGpuClass } };
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'latencyHalfMs') scales.latencyHalfMs = wholeNumber(value, 'scales.latencyHalfMs', problems);
    else if (key === 'priceHalfBaseUnits') scales.priceHalfBaseUnits = baseUnits(value, 'scales.priceHalfBaseUnits', problems);
    else if (key === 'priceHalfByGpuClass' && isRecord(value)) {
      for (const [gpuClass, half] of Object.entries(value)) scales.priceHalfByGpuClass[gpuClass] = baseUnits(half, `scales.priceHalfByGpuClass.${gpuClass}`, problems);
    } else problems.push(`scales.${key}: unknown field`);
  }
  return scales;
}

function wholeNumber(value: unknown, path: string, problems: string[]): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  problems.push(`${path}: expected a whole number >= 0`);
  return 0;
}

function baseUnits(value: unknown, path: string, problems: string[]): string {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text === 'string' && /^\d+$/.test(text)) return text;
  problems.push(`${path}: expected whole base units`);
  return '0';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
