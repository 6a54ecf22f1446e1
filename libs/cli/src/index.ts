// Public entry: the CLI as a function (for embedding and tests) and its pure report builders.
export { runCli } from './run-cli.js';
export { ExitCode } from './exit-codes.js';
export { explainJob, type JobExplanation } from './explain/job-explanation.js';
export { verifyDecisions, type VerifyReport } from './replay/verify-decisions.js';
export { whatIf, type WhatIfReport } from './replay/what-if.js';
export { loadPlacementPolicyFile, placementPolicyFrom, KNOWN_PLACEMENT_POLICIES } from './replay/placement-policies.js';
