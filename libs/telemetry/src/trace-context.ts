// Moving trace context across the log: events carry W3C `traceparent`/`tracestate` on their
// envelope; a consumer continues the producer's trace from them.
import { SEMCONV_SCHEMA_URL } from './semconv.js';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context } from '@opentelemetry/api';

export const tracer = trace.getTracerProvider().getTracer('switchyard', undefined, { schemaUrl: SEMCONV_SCHEMA_URL });

export interface TraceCarrier {
  readonly traceparent?: string | undefined;
  readonly tracestate?: string | undefined;
}

/** The active context as headers to put on an outgoing event; empty outside any span. */
export function activeTraceCarrier(): { traceparent?: string; tracestate?: string } {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return {
    ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
    ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
  };
}

/** The context an event's trace headers describe (the root context when it has none). */
export function contextOf(carrier: TraceCarrier): Context {
  const headers: Record<string, string> = {};
  if (carrier.traceparent) headers.traceparent = carrier.traceparent;
  if (carrier.tracestate) headers.tracestate = carrier.tracestate;
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** Runs `work` in a span (active for everything it awaits), ending it with the outcome. */
export function inSpan<T>(
  name: string,
  options: { kind: SpanKind; parent: Context; attributes?: Attributes },
  work: () => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { kind: options.kind, attributes: options.attributes ?? {} }, options.parent, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Trace and span id (and W3C trace flags, `01` when sampled) of the active span, for log lines. */
export function activeTraceIds(): { traceId: string; spanId: string; traceFlags: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  if (traceFlags === undefined || traceId === '00000000000000000000000000000000') return undefined;
  return { traceId, spanId, traceFlags: traceFlags.toString(16).padStart(2, '0') };
}

export { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
