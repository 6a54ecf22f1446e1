// A placement policy as a file (YAML or JSON, parsed by the caller): a `version`, an optional
// `base` version (default: the policy in force) and the fields that differ from it. The placement
// service runs one (PLACEMENT_POLICY_FILE) and `switchyard replay what-if --placement-policy`
// re-scores recorded decisions with one. Pure: the raw document in, a policy or every problem out.
//
//   version: placement-2026-12-01.1
//   tiers:
//     TIER_BATCH: { weights: { latency: 0.05, reputation: 0.15, price: 0.6, operatorSpread: 0.2 } }
//   patience: { startTimeoutMs: { TIER_REALTIME: 5000 }, relaxExclusionAfterMs: 30000 }
import { isDeepStrictEqual } from 'node:util';
import {
  defaultPlacementPolicy,
  PLACED_TIERS,
  PLACEMENT_POLICY_VERSIONS,
  type PlacedTier,
  type PlacementPolicy,
} from './placement-policy.js';

export class PlacementPolicyFileError extends Error {
  constructor(
    /** `unknown-base`: the base version is not one placement has shipped; `invalid`: the fields. */
    readonly kind: 'invalid' | 'unknown-base',
    message: string,
  ) {
    super(message);
    this.name = 'PlacementPolicyFileError';
  }
}

const WEIGHT_KEYS = ['latency', 'reputation', 'price', 'operatorSpread', 'transferTime', 'transferPrice'] as const;
const PATIENCE_KEYS = ['startTimeoutMs', 'notHeldGraceIntervals', 'relaxExclusionAfterMs', 'failUnplaceableAfterMs'] as const;
const TOP_KEYS = ['version', 'base', 'description', 'tiers', 'scales', 'maxAttempts', 'recordedCandidatesLimit', 'patience'];

export function placementPolicyFrom(raw: unknown, source: string): PlacementPolicy {
  const problems: string[] = [];
  if (!isRecord(raw)) throw new PlacementPolicyFileError('invalid', `placement policy ${source}: expected a mapping with a version`);
  for (const key of Object.keys(raw)) if (!TOP_KEYS.includes(key)) problems.push(`unknown field "${key}"`);
  const version = raw.version;
  if (typeof version !== 'string' || version === '') problems.push('version: required, a string');
  const baseVersion = raw.base === undefined ? defaultPlacementPolicy.version : raw.base;
  const base = typeof baseVersion === 'string' ? PLACEMENT_POLICY_VERSIONS.get(baseVersion) : undefined;
  if (base === undefined) {
    throw new PlacementPolicyFileError(
      'unknown-base',
      `placement policy ${source}: unknown base version ${JSON.stringify(baseVersion)}; known: ${[...PLACEMENT_POLICY_VERSIONS.keys()].join(', ')}`,
    );
  }
  const tiers = { ...base.tiers } as Record<PlacedTier, PlacementPolicy['tiers'][PlacedTier]>;
  if (raw.tiers !== undefined) {
    if (!isRecord(raw.tiers)) problems.push('tiers: expected a mapping of tier to settings');
    else
      for (const [tier, settings] of Object.entries(raw.tiers)) {
        if (!isPlacedTierName(tier)) {
          problems.push(`tiers.${tier}: unknown tier; expected one of ${PLACED_TIERS.join(', ')}`);
          continue;
        }
        tiers[tier] = tierSettings(tiers[tier], settings, `tiers.${tier}`, problems);
      }
  }
  const scales = raw.scales === undefined ? base.scales : scaleSettings(base.scales, raw.scales, problems);
  const maxAttempts = raw.maxAttempts === undefined ? base.maxAttempts : wholeNumber(raw.maxAttempts, 'maxAttempts', problems);
  const recordedCandidatesLimit =
    raw.recordedCandidatesLimit === undefined
      ? base.recordedCandidatesLimit
      : wholeNumber(raw.recordedCandidatesLimit, 'recordedCandidatesLimit', problems);
  const patience = raw.patience === undefined ? base.patience : patienceSettings(base.patience, raw.patience, problems);
  if (problems.length > 0) throw new PlacementPolicyFileError('invalid', `invalid placement policy ${source}: ${problems.join('; ')}`);
  const policy: PlacementPolicy = { ...base, version: version as string, tiers, scales, maxAttempts, recordedCandidatesLimit, patience };
  // A recorded decision names its policy's version; a changed policy under a shipped version
  // would make those records lie about what decided them.
  const shipped = PLACEMENT_POLICY_VERSIONS.get(policy.version);
  if (shipped !== undefined && !isDeepStrictEqual(shipped, policy)) {
    throw new PlacementPolicyFileError(
      'invalid',
      `invalid placement policy ${source}: it changes ${policy.version}, a shipped version; give the changed policy a new version`,
    );
  }
  return policy;
}

function isPlacedTierName(tier: string): tier is PlacedTier {
  return (PLACED_TIERS as readonly string[]).includes(tier);
}

function tierSettings(
  base: PlacementPolicy['tiers'][PlacedTier],
  raw: unknown,
  path: string,
  problems: string[],
): PlacementPolicy['tiers'][PlacedTier] {
  if (!isRecord(raw)) {
    problems.push(`${path}: expected { weights, operatorShareCapBp }`);
    return base;
  }
  for (const key of Object.keys(raw))
    if (key !== 'weights' && key !== 'operatorShareCapBp') problems.push(`${path}: unknown field "${key}"`);
  const weights = { ...base.weights };
  if (raw.weights !== undefined) {
    if (!isRecord(raw.weights)) problems.push(`${path}.weights: expected a mapping`);
    else
      for (const [key, value] of Object.entries(raw.weights)) {
        if (!(WEIGHT_KEYS as readonly string[]).includes(key))
          problems.push(`${path}.weights.${key}: unknown factor; expected ${WEIGHT_KEYS.join(', ')}`);
        else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
          problems.push(`${path}.weights.${key}: expected a number >= 0`);
        else weights[key as (typeof WEIGHT_KEYS)[number]] = value;
      }
  }
  const cap =
    raw.operatorShareCapBp === undefined
      ? base.operatorShareCapBp
      : wholeNumber(raw.operatorShareCapBp, `${path}.operatorShareCapBp`, problems);
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
    else if (key === 'transferTimeHalfMs') scales.transferTimeHalfMs = wholeNumber(value, 'scales.transferTimeHalfMs', problems);
    else if (key === 'transferPriceHalfBaseUnits')
      scales.transferPriceHalfBaseUnits = baseUnits(value, 'scales.transferPriceHalfBaseUnits', problems);
    else if (key === 'defaultIngressMbps') scales.defaultIngressMbps = wholeNumber(value, 'scales.defaultIngressMbps', problems);
    else if (key === 'priceHalfByGpuClass' && isRecord(value)) {
      for (const [gpuClass, half] of Object.entries(value))
        scales.priceHalfByGpuClass[gpuClass] = baseUnits(half, `scales.priceHalfByGpuClass.${gpuClass}`, problems);
    } else problems.push(`scales.${key}: unknown field`);
  }
  return scales;
}

function patienceSettings(base: PlacementPolicy['patience'], raw: unknown, problems: string[]): PlacementPolicy['patience'] {
  if (!isRecord(raw)) {
    problems.push(`patience: expected a mapping of ${PATIENCE_KEYS.join(', ')}`);
    return base;
  }
  const startTimeoutMs = { ...base.startTimeoutMs } as Record<PlacedTier, number>;
  const patience = { ...base, startTimeoutMs };
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'startTimeoutMs') {
      if (!isRecord(value)) problems.push('patience.startTimeoutMs: expected a mapping of tier to milliseconds');
      else
        for (const [tier, ms] of Object.entries(value)) {
          if (!isPlacedTierName(tier))
            problems.push(`patience.startTimeoutMs.${tier}: unknown tier; expected one of ${PLACED_TIERS.join(', ')}`);
          else startTimeoutMs[tier] = wholeNumber(ms, `patience.startTimeoutMs.${tier}`, problems);
        }
    } else if (key === 'notHeldGraceIntervals' || key === 'relaxExclusionAfterMs' || key === 'failUnplaceableAfterMs') {
      patience[key] = wholeNumber(value, `patience.${key}`, problems);
    } else problems.push(`patience.${key}: unknown field; expected ${PATIENCE_KEYS.join(', ')}`);
  }
  return patience;
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
