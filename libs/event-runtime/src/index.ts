export { CreateEventInbox1764000000000 } from './inbox/create-event-inbox.migration.js';
export { PostgresInbox, type InboxStore } from './inbox/inbox.js';
export { ConsumerGroupRenamedError, refuseRenamedGroup } from './inbox/renamed-group.js';
export { CreateEventOutbox1764000000001 } from './outbox/create-event-outbox.migration.js';
export { Outbox, withDataschema } from './outbox/outbox.js';
export { OutboxRelay, type OutboxRelayOptions } from './outbox/outbox-relay.js';
export {
  DEAD_LETTER_DATASCHEMA,
  DEAD_LETTER_RETENTION_MS,
  DEAD_LETTER_TYPE,
  LEGACY_DEAD_LETTER_TYPE,
  isDeadLetterType,
  deadLetterTopic,
  fromDeadLetterEnvelope,
  toDeadLetterEnvelope,
  type DeadLetter,
} from './dead-letter/dead-letter.js';
export { redriveDeadLetters, type DeadLetterPosition, type RedriveOptions, type RedriveResult } from './dead-letter/redrive.js';
export type { BatchEventHandler, BatchHandling, EventHandler, EventHandlingContext } from './consumer/event-context.js';
export type { EventOutcome } from './consumer/event-applier.js';
export { combineBatchHandling } from './consumer/combine-batch-handling.js';
export { EventConsumer, type EventConsumerOptions } from './consumer/event-consumer.js';
export { DEFAULT_RETRY_POLICY, backoffAfter, worstCaseDelay, type RetryPolicy } from './consumer/retry-policy.js';
export { EventLogContext } from './nest/event-log.context.js';
export { EventLogServer, EVENT_LOG_TRANSPORT, type EventLogServerOptions } from './nest/event-log.server.js';
export { EventHandlerErrorFilter } from './nest/event-handler-error.filter.js';
export { consoleLogger, type RuntimeLogger } from './runtime-logger.js';
export {
  handleCommand,
  isSerializationConflict,
  isUniqueViolation,
  type Command,
  type CommandOptions,
  type CommandScope,
  type Persisted,
  type TopicEvents,
} from './command/handle-command.js';

export { eventRuntimeMigrations } from './migrations.js';
export {
  ConfigurationError,
  openEventLog,
  openServiceDatabase,
  kafkaSecurityFromEnv,
  serviceEnvironment,
  withDatabasePassword,
  withDatabaseTls,
  withSearchPath,
  type EventLogSettings,
  type ServiceEnvironment,
} from './service-environment.js';
export { APPLIED, type Projection, type ProjectionOutcome, type ProjectionSource } from './projection/projection.js';
export {
  ProjectionRebuildError,
  rebuildProjection,
  type RebuildErrorKind,
  type RebuildFailure,
  type RebuildProjectionOptions,
  type RebuildReport,
} from './projection/rebuild-projection.js';
export { consumerMetrics, relayMetrics, type ConsumerMetrics, type RelayMetrics } from './telemetry/runtime-metrics.js';
