// Public entry: the service's composition root and module, and the pure deciders the CLI replays.
export { intakeConfigFromEnv, type IntakeConfig } from './config.js';
export { startIntake, type RunningIntake, type StartIntakeOptions } from './intake.js';
export { intakeMigrations } from './persistence/intake-migrations.js';
export { intakeProjections } from './projection/projections.js';
export { IntakeModule } from './intake.module.js';
export { decideSubmitJob, type SubmitJobCommand, type SubmitJobDecision } from './domain/submit-job.js';
export { validateJobSpec, validateIdempotencyKey } from './domain/validate-job-spec.js';
export { specFingerprint } from './domain/spec-fingerprint.js';
export { evolveJob, jobFromSubmission, isTerminal } from './domain/job-lifecycle.js';
export { decideCancelJob } from './domain/cancel-job.js';
export type { JobEvent, JobEventType } from './domain/job-event.js';
