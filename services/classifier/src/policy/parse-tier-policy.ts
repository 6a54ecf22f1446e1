import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { CONDITION_NAMES, type TierPolicy } from '../domain/index.js';
import { TierPolicyError, type TierPolicyIssue } from './tier-policy-error.js';
import { tierPolicySchema } from './tier-policy.schema.js';

type PathSegment = PropertyKey;

/**
 * Parses and validates a tier policy from YAML (JSON is accepted too, being YAML). Throws a
 * TierPolicyError listing every issue with the path of the bad field and its line.
 * `source` names the origin in messages, usually the file path.
 */
export function parseTierPolicy(text: string, source: string): TierPolicy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new TierPolicyError(
      source,
      doc.errors.map((error) => ({
        path: '',
        // The first line, without the " at line L, column C:" that the issue's position repeats.
        message: (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, ''),
        ...(error.linePos ? { line: error.linePos[0].line, column: error.linePos[0].col } : {}),
      })),
    );
  }
  const data: unknown = doc.toJS();
  const result = tierPolicySchema.safeParse(data);
  if (!result.success) {
    throw new TierPolicyError(
      source,
      result.error.issues.flatMap((issue) => toPolicyIssues(issue, data, doc, lineCounter)),
    );
  }
  return deepFreeze(result.data);
}

function toPolicyIssues(issue: z.core.$ZodIssue, data: unknown, doc: Document, lines: LineCounter): TierPolicyIssue[] {
  if (issue.code === 'unrecognized_keys') {
    const inConditions = issue.path.at(-1) === 'when';
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      const message = inConditions ? `unknown condition "${key}"; conditions: ${CONDITION_NAMES.join(', ')}` : `unknown field "${key}"`;
      return { path: formatPath(path), message, ...locate(doc, lines, path, 'key') };
    });
  }
  const message = isMissing(data, issue.path) ? 'missing required field' : issue.message;
  return [{ path: formatPath(issue.path), message, ...locate(doc, lines, issue.path, 'value') }];
}

/** True when the parent of `path` exists but has no such key, i.e. the field was left out. */
function isMissing(data: unknown, path: readonly PathSegment[]): boolean {
  let node = data;
  for (const segment of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<PropertyKey, unknown>)[segment];
  }
  const last = path.at(-1);
  return typeof node === 'object' && node !== null && last !== undefined && !Object.hasOwn(node, last);
}

/** `rules[2].when.kind_in[0]` */
function formatPath(path: readonly PathSegment[]): string {
  return path
    .map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : `${index > 0 ? '.' : ''}${String(segment)}`))
    .join('');
}

/**
 * Position of the node at `path` (its key, for a field that should not be there), or of the
 * deepest node that exists on the way, e.g. the rule a missing field belongs to.
 */
function locate(doc: Document, lines: LineCounter, path: readonly PathSegment[], target: 'key' | 'value') {
  let node: unknown = doc.contents;
  let found: unknown = node;
  for (const [index, segment] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === segment);
      if (!pair) break;
      node = last && target === 'key' ? pair.key : pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
    } else {
      break;
    }
    if (node === undefined || node === null) break;
    found = node;
  }
  const range = (found as { range?: [number, number, number] } | null)?.range;
  if (!range) return {};
  const { line, col } = lines.linePos(range[0]);
  return { line, column: col };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
