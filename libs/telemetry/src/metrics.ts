// Starting OpenTelemetry metrics in a service process. Two readers, chosen by the environment:
// - Prometheus: METRICS_ADDRESS=host:port serves GET /metrics there (port 0 picks a free port,
//   reported by `url`); unset, no endpoint is opened.
// - OTLP over HTTP: OTEL_METRICS_EXPORTER=otlp, or OTEL_EXPORTER_OTLP_ENDPOINT set (and
//   OTEL_METRICS_EXPORTER not `none`), pushes every OTEL_METRIC_EXPORT_INTERVAL ms (default 60 s).
// Instruments are made through ./instruments.ts, which binds them once this provider exists.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { bindMeterProvider } from './instruments.js';
import { serviceResource } from './resource.js';

export interface Metrics {
  /** The Prometheus endpoint, e.g. `http://127.0.0.1:9464/metrics`; undefined when none is served. */
  readonly url: string | undefined;
  /** Exports what is pending, then closes the endpoint. */
  shutdown(): Promise<void>;
}

export class MetricsConfigurationError extends Error {
  override readonly name = 'MetricsConfigurationError';
}

let started: { provider: MeterProvider; url: string | undefined; server: Server | undefined; users: number } | undefined;

/**
 * Registers the process's meter provider with the readers the environment asks for. Once per
 * process: a later call shares the first (services sharing a test process share one endpoint),
 * and the provider shuts down when the last of them shuts down; a start after that begins anew.
 */
export async function startMetrics(
  serviceName: string,
  options: { env?: NodeJS.ProcessEnv; readers?: readonly IMetricReader[] } = {},
): Promise<Metrics> {
  if (!started) {
    const env = options.env ?? process.env;
    const readers: IMetricReader[] = [...(options.readers ?? [])];
    const address = env.METRICS_ADDRESS ? parseMetricsAddress(env.METRICS_ADDRESS) : undefined;
    const prometheus = address
      ? new PrometheusExporter({ preventServerStart: true, withResourceConstantLabels: /^service\.name$/ })
      : undefined;
    if (prometheus) readers.push(prometheus);
    const otlp = otlpReaderFor(env);
    if (otlp) readers.push(otlp);
    const provider = new MeterProvider({ resource: serviceResource(serviceName), readers });
    const server = prometheus && address ? await serve(prometheus, address) : undefined;
    const url = server ? `http://${formatHost(address!.host)}:${(server.address() as AddressInfo).port}/metrics` : undefined;
    bindMeterProvider(provider);
    started = { provider, url, server, users: 0 };
  }
  const current = started;
  current.users += 1;
  let done: Promise<void> | undefined;
  return {
    url: current.url,
    shutdown: () =>
      (done ??= (async () => {
        current.users -= 1;
        if (current.users > 0) return;
        if (started === current) started = undefined;
        await new Promise<void>((resolve) => (current.server ? current.server.close(() => resolve()) : resolve()));
        await current.provider.shutdown();
      })()),
  };
}

/** The OTLP reader the environment asks for, if any (exported for tests). */
export function otlpReaderFor(env: NodeJS.ProcessEnv): IMetricReader | undefined {
  const chosen =
    env.OTEL_METRICS_EXPORTER ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT ? 'otlp' : 'none');
  const names = chosen.split(',').map((name) => name.trim());
  for (const name of names) {
    // `prometheus` is accepted for symmetry with the SDK's variable; the endpoint itself comes from METRICS_ADDRESS.
    if (!['otlp', 'none', 'prometheus', ''].includes(name)) {
      throw new MetricsConfigurationError(`OTEL_METRICS_EXPORTER: unknown exporter "${name}" (otlp, prometheus or none)`);
    }
  }
  if (!names.includes('otlp')) return undefined;
  const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL ?? 60_000);
  if (!Number.isInteger(interval) || interval <= 0)
    throw new MetricsConfigurationError(
      `OTEL_METRIC_EXPORT_INTERVAL must be a positive number of milliseconds, not "${env.OTEL_METRIC_EXPORT_INTERVAL}"`,
    );
  // The URL from the same environment the choice came from (the exporter alone would read process.env).
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  const url = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT || (base ? `${base}/v1/metrics` : undefined);
  return new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter(url ? { url } : {}),
    exportIntervalMillis: interval,
    exportTimeoutMillis: Math.min(30_000, interval),
  });
}

/** `host:port` of METRICS_ADDRESS (exported for tests). */
export function parseMetricsAddress(value: string): { host: string; port: number } {
  const match = /^(?:\[(?<v6>[^\]]+)\]|(?<host>[^:[\]]+)):(?<port>\d{1,5})$/.exec(value);
  const host = match?.groups?.v6 ?? match?.groups?.host;
  const port = Number(match?.groups?.port);
  if (host === undefined || !Number.isInteger(port) || port > 65535) {
    throw new MetricsConfigurationError(
      `METRICS_ADDRESS must be host:port (e.g. 0.0.0.0:9464, or 127.0.0.1:0 for a free port), not "${value}"`,
    );
  }
  return { host, port };
}

const formatHost = (host: string): string => (host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host);

function serve(exporter: PrometheusExporter, address: { host: string; port: number }): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/metrics') return exporter.getMetricsRequestHandler(request, response);
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new MetricsConfigurationError(`cannot serve metrics on ${address.host}:${address.port}: ${error.code ?? error.message}`)),
    );
    server.listen(address.port, address.host, () => resolve(server));
  });
}
