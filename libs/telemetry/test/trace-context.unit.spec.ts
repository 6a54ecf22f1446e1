// Given an event's traceparent, the consumer's span continues that trace, and what it emits
// carries the trace on with the consumer span as parent.
import { afterAll, describe, expect, it } from '@jest/globals';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { activeTraceCarrier, activeTraceIds, contextOf, inSpan, SpanKind, startTracing } from '../src/index.js';

const exporter = new InMemorySpanExporter();
const tracing = startTracing('telemetry-spec', { env: {}, exporters: [exporter] });
afterAll(() => tracing.shutdown());

const producerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
const producerSpan = '00f067aa0ba902b7';
const traceparent = `00-${producerTrace}-${producerSpan}-01`;

describe('trace context across the log', () => {
  it('given an event with a traceparent, when handled in a consumer span, then the span is a child in the same trace', async () => {
    const emitted = await inSpan('process JobSubmitted', { kind: SpanKind.CONSUMER, parent: contextOf({ traceparent }) }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1)); // context survives awaits
      expect(activeTraceIds()?.traceId).toBe(producerTrace);
      return activeTraceCarrier();
    });
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe(producerTrace);
    expect(span?.parentSpanContext?.spanId).toBe(producerSpan);
    // What the handler emits names the consumer span as its parent.
    expect(emitted.traceparent).toBe(`00-${producerTrace}-${span!.spanContext().spanId}-01`);
  });

  it('given an event without trace headers, starts a new trace; outside any span there is nothing to carry', async () => {
    exporter.reset();
    await inSpan('process Orphan', { kind: SpanKind.CONSUMER, parent: contextOf({}) }, async () => undefined);
    expect(exporter.getFinishedSpans()[0]?.spanContext().traceId).not.toBe(producerTrace);
    expect(activeTraceCarrier()).toEqual({});
  });

  it('records a failing handler as an error span and rethrows', async () => {
    exporter.reset();
    await expect(
      inSpan('process Poison', { kind: SpanKind.CONSUMER, parent: contextOf({ traceparent }) }, async () =>
        Promise.reject(new Error('boom')),
      ),
    ).rejects.toThrow('boom');
    expect(exporter.getFinishedSpans()[0]?.status.code).toBe(2);
  });
});
