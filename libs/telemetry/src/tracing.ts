// Starting OpenTelemetry tracing in a service process. Exporting is chosen by the standard
// environment: OTEL_TRACES_EXPORTER=otlp (or OTEL_EXPORTER_OTLP_ENDPOINT set) sends spans over
// OTLP/HTTP, `console` prints them, `none` (the default otherwise) keeps tracing for context
// propagation only, so trace ids still flow through gRPC metadata, events and log lines.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { serviceResource } from './resource.js';

export interface Tracing {
  shutdown(): Promise<void>;
}

let started: { provider: NodeTracerProvider; service: string } | undefined;

function processorsFor(env: NodeJS.ProcessEnv, extra: readonly SpanExporter[]): SpanProcessor[] {
  const chosen = env.OTEL_TRACES_EXPORTER ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'otlp' : 'none');
  const processors: SpanProcessor[] = extra.map((exporter) => new SimpleSpanProcessor(exporter));
  for (const name of chosen.split(',').map((n) => n.trim())) {
    if (name === 'otlp') processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
    else if (name === 'console') processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
    else if (name !== 'none' && name !== '') throw new Error(`OTEL_TRACES_EXPORTER: unknown exporter "${name}" (otlp, console or none)`);
  }
  return processors;
}

/**
 * Registers the global tracer provider, the W3C trace-context propagator and the
 * AsyncLocalStorage context manager. Once per process: a second call returns the first.
 */
export function startTracing(serviceName: string, options: { env?: NodeJS.ProcessEnv; exporters?: readonly SpanExporter[] } = {}): Tracing {
  if (!started) {
    const provider = new NodeTracerProvider({
      resource: serviceResource(serviceName),
      spanProcessors: processorsFor(options.env ?? process.env, options.exporters ?? []),
    });
    provider.register();
    started = { provider, service: serviceName };
  }
  const { provider } = started;
  return { shutdown: () => provider.shutdown() };
}
