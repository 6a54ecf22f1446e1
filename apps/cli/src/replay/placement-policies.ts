// Placement policies the CLI can re-run decisions with: the versions shipped in the placement
// service's code (replay verify looks up the version a DecisionRecord names) and policy files
// given to `replay what-if --placement-policy`.
import { readFile } from 'node:fs/promises';
import {
  PLACEMENT_POLICY_VERSIONS,
  placementPolicyFrom as parsePolicy,
  PlacementPolicyFileError,
  type PlacementPolicy,
} from '@switchyard/placement/domain';
import { parseDocument } from 'yaml';
import { notFound, usageError } from '../cli-error.js';

/** Every placement policy version the placement service has shipped (it keeps them all), so past decisions remain verifiable. */
export const KNOWN_PLACEMENT_POLICIES: ReadonlyMap<string, PlacementPolicy> = PLACEMENT_POLICY_VERSIONS;

export function placementPolicyOfVersion(version: string): PlacementPolicy | undefined {
  return KNOWN_PLACEMENT_POLICIES.get(version);
}

export async function loadPlacementPolicyFile(path: string): Promise<PlacementPolicy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw usageError(`cannot read placement policy ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const document = parseDocument(text);
  if (document.errors.length > 0)
    throw usageError(`placement policy ${path} is not valid YAML/JSON: ${document.errors[0]!.message.split('\n')[0]}`);
  return placementPolicyFrom(document.toJS() as unknown, path);
}

/** The policy a file's document describes; a bad one is a usage error, an unknown base not found. */
export function placementPolicyFrom(raw: unknown, source: string): PlacementPolicy {
  try {
    return parsePolicy(raw, source);
  } catch (error) {
    if (!(error instanceof PlacementPolicyFileError)) throw error;
    throw error.kind === 'unknown-base' ? notFound(error.message) : usageError(error.message);
  }
}
