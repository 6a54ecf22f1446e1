export {
  CLOUDEVENTS_SPEC_VERSION,
  JSON_CONTENT_TYPE,
  EnvelopeError,
  decodeEnvelope,
  encodeData,
  encodeHeaders,
  type EventEnvelope,
  type EventHeaders,
  type JsonValue,
  type LoggedEvent,
} from './envelope.js';
export { UpcasterRegistry, type Upcaster } from './upcasting.js';
export {
  computeLag,
  type AppendedPosition,
  type BatchHandler,
  type RoundHandler,
  type CleanupPolicy,
  type ConsumeOptions,
  type ConsumerHandle,
  type ConsumerStatus,
  type EventBatch,
  type EventLog,
  type EventLogAdmin,
  type LogPosition,
  type PartitionEnd,
  type PartitionLag,
  type PartitionOffset,
  type ReadRange,
  type TopicDescription,
  type TopicSpec,
} from './port.js';
export { partitionForKey } from './partitioning.js';
export { KafkaEventLog, type KafkaEventLogOptions } from './kafka/kafka-event-log.js';
export {
  describeKafkaSecurity,
  KAFKA_SASL_MECHANISMS,
  Secret,
  type KafkaSasl,
  type KafkaSaslMechanism,
  type KafkaSecurity,
  type KafkaTls,
} from './kafka/kafka-security.js';
export { PostgresEventLog, type PostgresEventLogOptions } from './postgres/postgres-event-log.js';

export { PlatformaticEventLog, type PlatformaticEventLogOptions } from './platformatic/platformatic-event-log.js';
