// Client spans for PostgreSQL (node-postgres, which TypeORM and the PostgreSQL event log use).
// The instrumentation patches `pg` when it is loaded, so this module must be evaluated before
// anything imports `pg`: `node --import @switchyard/telemetry/instrument main.js`, or as the
// first import of the process (libs/service-host imports it first for that reason). The spans
// go to whichever tracer provider startTracing registers later. Only queries inside a span are
// recorded (a gRPC call, a consumed event): the relay's idle polling makes no spans.
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';

const REGISTERED = Symbol.for('switchyard.telemetry.instrumented');
const host = globalThis as { [REGISTERED]?: boolean };

if (!host[REGISTERED]) {
  host[REGISTERED] = true;
  // Statement text is kept (parameters never are): SQL here is fixed text with $n placeholders.
  registerInstrumentations({ instrumentations: [new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false })] });
}
