// @switchyard/contracts/messages: the generated messages and what is built only from them —
// topics, the envelope builder and reader, enum labels, the fault table — without the gRPC runtime, the proto
// loader or the descriptor set. Domain code and commands that never open a channel import this;
// the full entry (@switchyard/contracts) adds service definitions, clients and descriptors.
export * as api from './api-messages.js';
export * as events from './events.js';
export {
  CONSUMER_GROUP_PREFIX,
  DEAD_LETTER_RETENTION_MS,
  SUBSCRIPTIONS,
  TOPICS,
  consumersOf,
  deadLetterTopic,
  defaultConsumerGroup,
  expectedKey,
  keyOf,
  topicNames,
  topicProvisioning,
  type KeySpec,
  type ServiceName,
  type Subscription,
  type TopicContract,
  type TopicName,
  type TopicProvisioning,
} from './topics.js';
export {
  EVENT_TYPE_PREFIX,
  JOB_EVENT_TYPES,
  dateOf,
  envelopeOf,
  idFrom,
  jobEventEnvelope,
  ledgerEventEnvelope,
  providerEventEnvelope,
  readEvent,
  requireEvent,
  rfc3339,
  usageEventEnvelope,
  type Causation,
  type EnvelopeMeta,
  type EnvelopeOptions,
  type EventFamilies,
  type EventFamily,
  type FamilyEvent,
  type FamilyMember,
  type OneEvent,
  type ReadableEnvelope,
} from './event-envelope.js';
export { enumLabel, enumValueOf } from './enum-labels.js';
export { FAULT_TABLE, consequencesOf, decides, faultOf, type FaultConsequences } from './faults.js';
export { TIMESTAMP_MAX_SECONDS, TIMESTAMP_MIN_SECONDS, timestampProblem } from './timestamps.js';
export {
  BYTES_PER_GB,
  DIGEST_PATTERN,
  MAX_DIGESTS_PER_MESSAGE,
  MAX_JOB_DEPENDENCIES,
  MAX_JOB_INPUTS,
  dependencyOutputKey,
  isDigest,
  transferPrice,
} from './data-inputs.js';
