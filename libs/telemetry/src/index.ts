export { startTracing, type Tracing } from './tracing.js';
export { startMetrics, MetricsConfigurationError, type Metrics } from './metrics.js';
export {
  counter,
  DURATION_BUCKETS_SECONDS,
  histogram,
  observeGauge,
  upDownCounter,
  type CounterInstrument,
  type HistogramInstrument,
  type HistogramSpec,
  type InstrumentSpec,
  type Observation,
  type ObserveCallback,
  type ObservedGauge,
} from './instruments.js';
export * as semconv from './semconv.js';
export * as switchyardMetrics from './switchyard-metrics.js';
export { SWITCHYARD_ATTRIBUTES } from './switchyard-metrics.js';
export { grpcClientTracing, grpcStatusName, rpcNames } from './grpc-client-tracing.js';
export {
  activeTraceCarrier,
  activeTraceIds,
  context,
  contextOf,
  inSpan,
  SpanKind,
  SpanStatusCode,
  trace,
  tracer,
  type TraceCarrier,
} from './trace-context.js';
export { createLogger, LoggerConfigurationError, logLevelFrom, processLogger, REDACTED, redactText, type LogLevel } from './logger.js';
export { kafkaLogCreator, levelOfKafkaEntry, type KafkaLogEntry, type KafkaLogLevel } from './kafkajs-log.js';
export { dependencyHealth, isDependencyOutage, type ComponentReport, type ComponentStatus } from './dependency-health.js';
