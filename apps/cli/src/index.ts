// Public entry: the CLI as a function (for embedding and tests) and its pure report builders.
export { runCli } from './run-cli.js';
export { ExitCode } from './exit-codes.js';
export { explainJob, type JobExplanation } from './explain/job-explanation.js';
export { verifyDecisions, type VerifyReport } from './replay/verify-decisions.js';
export { whatIf, type WhatIfReport } from './replay/what-if.js';
export { loadPlacementPolicyFile, placementPolicyFrom, KNOWN_PLACEMENT_POLICIES } from './replay/placement-policies.js';
export { verifyLog } from './replay/verify-log.js';
export { decodeEvent, type DecodedEvent } from './log/decoded-event.js';
export { TopicMap } from './log/topics.js';
