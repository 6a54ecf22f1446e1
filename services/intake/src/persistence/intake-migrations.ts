import { eventRuntimeMigrations } from '@switchyard/event-runtime';
import { AddJobUsage1765100000000 } from './add-job-usage.migration.js';
import { AddRunningCommitments1764900000000 } from './add-running-commitments.migration.js';
import { AddSpendingCommitments1764100000001 } from './add-spending-commitments.migration.js';
import { CreateIntakeTables1764100000000 } from './create-intake-tables.migration.js';

/** Intake's schema, in order: the inbox and outbox, then its own tables. */
export const intakeMigrations = [
  ...eventRuntimeMigrations,
  CreateIntakeTables1764100000000,
  AddSpendingCommitments1764100000001,
  AddRunningCommitments1764900000000,
  AddJobUsage1765100000000,
];
