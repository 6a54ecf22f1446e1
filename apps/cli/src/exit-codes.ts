// Exit codes are part of the CLI's contract: scripts and CI gates branch on them (docs/cli.md).
export const ExitCode = {
  /** The command did what was asked. */
  OK: 0,
  /** Something unexpected failed; the message says what. */
  FAILURE: 1,
  /** Bad usage or bad input: unknown option, malformed time range, unreadable or invalid policy file. */
  USAGE: 2,
  /** What was asked for does not exist: an unknown job id, topic or policy version. */
  NOT_FOUND: 3,
  /** The event log (Kafka or PostgreSQL) or a gRPC endpoint could not be reached. */
  UNAVAILABLE: 4,
  /** `replay verify` ran, and at least one decision did not reproduce. */
  NOT_REPRODUCED: 5,
  /** A gRPC endpoint refused the credentials (missing or unknown API key, not allowed). */
  NOT_AUTHENTICATED: 6,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
