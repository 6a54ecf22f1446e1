// A process that loads the PostgreSQL instrumentation first, as a service does, then pg: prints
// the spans of one query inside a span and one outside, as JSON.
import '@switchyard/telemetry/instrument';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import pg from 'pg';
import { contextOf, inSpan, SpanKind, startTracing } from '@switchyard/telemetry';

const exporter = new InMemorySpanExporter();
const tracing = startTracing('pg-spans', { env: {}, exporters: [exporter] });
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
await client.query('SELECT 1 AS outside_any_span');
await inSpan('apply JobPlaced', { kind: SpanKind.CONSUMER, parent: contextOf({}) }, () =>
  client.query('SELECT $1::text AS inside', ['secret-value']),
);
await client.end();
// Read before shutting down: shutting the exporter down empties it.
const spans = exporter.getFinishedSpans();
process.stdout.write(
  `${JSON.stringify(spans.map((span) => ({ name: span.name, kind: span.kind, traceId: span.spanContext().traceId, parent: span.parentSpanContext?.spanId, id: span.spanContext().spanId, attributes: span.attributes })))}\n`,
);
await tracing.shutdown();
