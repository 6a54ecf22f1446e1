// Intake's projections: the tables it derives from the log alone, kept live by its consumer
// group and rebuildable with `switchyard rebuild <name>` (docs/intake.md, docs/cli.md).
import { topicNames } from '@switchyard/contracts';
import type { Projection } from '@switchyard/event-runtime';
import { DEFAULT_INTAKE_CONSUMER_GROUP, DEFAULT_INTAKE_SCHEMA } from '../config.js';
import { POSTING_RECORDED_TYPE, USAGE_METERED_TYPE } from '../intake-events.js';
import { intakeMigrations } from '../persistence/intake-migrations.js';
import { JobStore } from '../persistence/job-store.js';
import { EPOCH_CLOSED_TYPE, recordEpochClosed } from './epochs.consumer.js';
import { JobProjector, PROJECTED_JOB_EVENT_TYPES } from './job-projector.js';

const projector = new JobProjector(new JobStore());

const owner = {
  service: 'intake',
  defaultSchema: DEFAULT_INTAKE_SCHEMA,
  defaultConsumerGroup: DEFAULT_INTAKE_CONSUMER_GROUP,
  migrations: intakeMigrations,
} as const;

export const intakeProjections: readonly Projection[] = [
  {
    ...owner,
    name: 'jobs',
    description:
      'each job as tenants see it (GetJob, ListJobs) and its history (WatchJob), folded from the jobs topic, its settlement from the usage and ledger topics',
    tables: ['jobs', 'job_history', 'job_usage'],
    sources: (prefix) => [
      { topic: topicNames(prefix).jobs, types: PROJECTED_JOB_EVENT_TYPES },
      { topic: topicNames(prefix).usage, types: [USAGE_METERED_TYPE] },
      { topic: topicNames(prefix).ledger, types: [POSTING_RECORDED_TYPE] },
    ],
    apply: (manager, event) => projector.project(manager, event.envelope),
  },
  {
    ...owner,
    name: 'epochs',
    description: 'the cutoffs of the epochs payout closed (spending caps count from the last one), folded from the ledger topic',
    tables: ['epochs'],
    sources: (prefix) => [{ topic: topicNames(prefix).ledger, types: [EPOCH_CLOSED_TYPE] }],
    apply: (manager, event) => recordEpochClosed(manager, event.envelope),
  },
];
