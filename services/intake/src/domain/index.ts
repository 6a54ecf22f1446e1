// `@switchyard/intake/domain`: intake's pure deciders and the job fold, without the service (no
// NestJS, TypeORM or event log loaded), for other packages and the CLI.
export {
  decideSubmission,
  decideSubmitJob,
  type SubmissionContext,
  type SubmissionDecision,
  type SubmitJobCommand,
  type SubmitJobDecision,
} from './submit-job.js';
export { validateJobSpec, validateIdempotencyKey } from './validate-job-spec.js';
export { specFingerprint } from './spec-fingerprint.js';
export { evolveJob, jobFromSubmission, isTerminal } from './job-lifecycle.js';
export { decideCancelJob } from './cancel-job.js';
export type { JobEvent, JobEventType } from './job-event.js';
