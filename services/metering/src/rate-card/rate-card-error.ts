/** One problem in a rate-card file: the path of the bad field and, when known, its line. */
export interface RateCardIssue {
  /** e.g. `versions[1].prices.REALTIME.h100-80g.per_gpu_hour`; empty for the file as a whole. */
  readonly path: string;
  readonly message: string;
  readonly line?: number;
}

/** A rate-card file that cannot be used. The message lists every issue found, not just the first. */
export class RateCardError extends Error {
  override readonly name = 'RateCardError';

  constructor(
    readonly source: string,
    readonly issues: readonly RateCardIssue[],
  ) {
    super(`invalid rate card file ${source}:\n${issues.map((issue) => `  ${where(source, issue)}: ${issue.message}`).join('\n')}`);
  }
}

function where(source: string, issue: RateCardIssue): string {
  return `${issue.path || '(file)'}${issue.line === undefined ? '' : ` (${source}:${issue.line})`}`;
}
