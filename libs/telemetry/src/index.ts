export { startTracing, type Tracing } from './tracing.js';
export { activeTraceCarrier, activeTraceIds, context, contextOf, inSpan, SpanKind, SpanStatusCode, trace, tracer, type TraceCarrier } from './trace-context.js';
