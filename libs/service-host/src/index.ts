// First: PostgreSQL client spans need the instrumentation in place before anything loads `pg`.
import '@switchyard/telemetry/instrument';
export { JsonLogger } from './json-logger.js';
export {
  PROTO_LOADER_OPTIONS,
  startGrpcService,
  type GrpcServiceConfig,
  type RunningGrpcService,
  type ServedProtos,
} from './start-grpc-service.js';
export { checkHealth, listReflectedServices, type ProbeConnection } from './probe.js';
export { resolveListenAddress } from './listen-address.js';
export { addReflection, HEALTH_SERVICE } from './reflection.js';
export {
  alreadyExists,
  decodeStatusDetails,
  ERROR_DOMAIN,
  failedPrecondition,
  grpcError,
  invalidArgument,
  notFound,
  permissionDenied,
  resourceExhausted,
  STATUS_DETAILS_TRAILER,
  unauthenticated,
  unavailable,
  type DecodedStatus,
  type ErrorDetail,
  type ErrorInfo,
  type FieldViolation,
  type PreconditionViolation,
  type QuotaViolation,
  type ResourceInfo,
} from './grpc-errors.js';
export { describeGrpcTls, grpcServerCredentials, grpcTlsFromEnv, GrpcTlsConfigurationError, type GrpcTlsSettings } from './grpc-tls.js';
export { peerIdentity, type CallWithAuthContext, type PeerIdentity } from './peer-identity.js';
export { KeyedRateLimiter, rateLimitFromEnv, RateLimitConfigurationError, type Admission, type RateLimit } from './rate-limiter.js';
export {
  DEPENDENCY_UNAVAILABLE,
  DependencyOutageFilter,
  dependencyUnavailable,
  OUTAGE_RETRY_AFTER_MS,
} from './dependency-outage.filter.js';
export {
  EVENT_LOG,
  startEventService,
  TOPIC_NAMES,
  type EventServiceConfig,
  type EventServiceConsumers,
  type EventServiceOptions,
  type OpenedService,
  type RunningEventService,
  type ServiceResources,
} from './start-event-service.js';
export { CLOCK, systemClock, type Clock } from './clock.js';
export { grpcUrlFromEnv, positiveIntFromEnv, optionalPositiveIntFromEnv } from './service-config.js';
export { ConfigurationError, serviceEnvironment, type ServiceEnvironment } from '@switchyard/event-runtime';
