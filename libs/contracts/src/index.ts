export * as api from './api.js';
export * as events from './events.js';
export { apiPackageName, apiProtoFiles, eventProtoFiles, protoLoaderOptions, protoRoot } from './proto-files.js';
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
export { topicContractsDocument } from './topic-contracts.js';
export {
  EVENT_TYPE_PREFIX,
  JOB_EVENT_TYPES,
  jobEventEnvelope,
  ledgerEventEnvelope,
  providerEventEnvelope,
  rfc3339,
  usageEventEnvelope,
  type EnvelopeMeta,
  type JsonValue as EnvelopeJson,
  type LogEnvelope,
  type OneEvent,
} from './event-envelope.js';
export { protoFileDescriptors, type ProtoFileDescriptor } from './descriptors.js';
export { enumLabel, enumValueOf } from './enum-labels.js';
export { DATASCHEMA_PREFIX, DEAD_LETTER_MESSAGE, dataschemaForEventType, dataschemaOf, messageOfDataschema } from './payload-schemas.js';
export { FAULT_TABLE, consequencesOf, decides, faultOf, type FaultConsequences } from './faults.js';
export { BYTES_PER_GB, DIGEST_PATTERN, MAX_DIGESTS_PER_MESSAGE, MAX_JOB_INPUTS, isDigest, transferPrice } from './data-inputs.js';
export { TIMESTAMP_MAX_SECONDS, TIMESTAMP_MIN_SECONDS, timestampProblem } from './timestamps.js';
