/** One problem in a policy file, located by the path of the bad field and, for YAML, its line. */
export interface TierPolicyIssue {
  /** Path of the field, e.g. `rules[2].when.kind_in[0]`; empty for the file as a whole. */
  readonly path: string;
  readonly message: string;
  /** 1-based position in the file, when the parser could place the field. */
  readonly line?: number;
  readonly column?: number;
}

/**
 * A policy file that cannot be used: unreadable, not YAML/JSON, or not a valid policy. The
 * message lists every issue, so one run of the loader or of `switchyard replay what-if` shows all
 * that needs fixing.
 */
export class TierPolicyError extends Error {
  override readonly name = 'TierPolicyError';

  constructor(
    /** The file (or other origin) the policy text came from. */
    readonly source: string,
    readonly issues: readonly TierPolicyIssue[],
  ) {
    super(`invalid tier policy ${source}:\n${issues.map((issue) => `  ${describeIssue(source, issue)}`).join('\n')}`);
  }
}

function describeIssue(source: string, issue: TierPolicyIssue): string {
  const where = issue.line === undefined ? '' : ` (${source}:${issue.line}:${issue.column ?? 1})`;
  return `${issue.path || '(file)'}${where}: ${issue.message}`;
}
