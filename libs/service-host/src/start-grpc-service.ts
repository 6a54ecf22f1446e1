import type { DynamicModule, INestApplication, INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type CustomTransportStrategy, type MicroserviceOptions, Transport } from '@nestjs/microservices';
import type { Server } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { HealthImplementation } from 'grpc-health-check';
import { dependencyHealth, startMetrics, startTracing } from '@switchyard/telemetry';
import { DependencyOutageFilter } from './dependency-outage.filter.js';
import { GrpcTracingInterceptor } from './grpc-tracing.interceptor.js';
import { describeGrpcTls, grpcServerCredentials, grpcTlsFromEnv, type GrpcTlsSettings } from './grpc-tls.js';
import { healthListenersFromEnv } from './health-listener.js';
import { type HostLifecycle, ServiceHostModule } from './health-lifecycle.js';
import { JsonLogger } from './json-logger.js';
import { resolveListenAddress } from './listen-address.js';
import { addReflection, HEALTH_SERVICE } from './reflection.js';

/** How every Switchyard service loads its protos: camelCase fields, int64 as strings, enums by name. */
export const PROTO_LOADER_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} satisfies Options;

/** The proto API a service implements, e.g. built from `@switchyard/contracts`' file paths. */
export interface ServedProtos {
  /** Absolute paths of the .proto files its controllers implement. */
  files: string[];
  /** Proto packages to serve from those files, e.g. `switchyard.v1`. */
  packages: string[];
  /** Where imports inside those files resolve from (the repo's proto root). */
  includeDirs?: string[];
}

export interface GrpcServiceConfig {
  /** Service name, used as the default log context. */
  name: string;
  /** The service's root NestJS module (its gRPC controllers live there). */
  module: Type<unknown> | DynamicModule;
  /** `host:port` to listen on; port 0 picks a free port. */
  url: string;
  /** The service's own API; without it the server answers health and reflection only. */
  protos?: ServedProtos;
  /**
   * Close on SIGTERM/SIGINT and exit the process with code 0. On by default; turn it off when
   * the service runs inside another process (a test runner) that owns the signals.
   */
  handleSignals?: boolean;
  /**
   * Transports served beside gRPC, e.g. the event-log consumer whose `@EventPattern` handlers
   * live in the module. Built after the module's providers exist, so they can use them.
   */
  transports?: (app: INestApplicationContext) => CustomTransportStrategy[];
  /** TLS of the server; default from GRPC_TLS_* (see grpc-tls.ts), `null` forces plaintext. */
  tls?: GrpcTlsSettings | null;
  /**
   * When a consumer, relay or listener reports that it cannot resume (see `dependencyHealth`),
   * close and exit the process with code 1 so a supervisor restarts it. Default: `handleSignals`
   * (a service inside a test runner only turns NOT_SERVING).
   */
  exitOnFailure?: boolean;
}

export interface RunningGrpcService {
  app: INestApplication;
  /** The address the gRPC server is bound to, `host:port`. */
  address: string;
  /** The Prometheus endpoint (METRICS_ADDRESS), e.g. `http://127.0.0.1:9464/metrics`; undefined when none. */
  metricsUrl: string | undefined;
}

/**
 * Starts a NestJS gRPC microservice that also serves grpc.health.v1 and server reflection.
 * Health is NOT_SERVING until the server listens, SERVING while it does and every component
 * reporting to `dependencyHealth` is ok, NOT_SERVING while one waits for a dependency and once
 * shutdown begins. A component that cannot resume ends the process (`exitOnFailure`).
 */
export async function startGrpcService(config: GrpcServiceConfig): Promise<RunningGrpcService> {
  const address = await resolveListenAddress(config.url);
  const loaderOptions = { ...PROTO_LOADER_OPTIONS, includeDirs: config.protos?.includeDirs ?? [] };
  const served = loadSync(config.protos?.files ?? [], loaderOptions);
  const healthNames = ['', ...serviceNames(served)];
  const health = new HealthImplementation(Object.fromEntries(healthNames.map((name) => [name, 'NOT_SERVING'])));

  const logger = new JsonLogger(config.name);
  const tls = config.tls === undefined ? grpcTlsFromEnv(process.env) : (config.tls ?? undefined);
  // A hybrid application without an HTTP listener: gRPC and any other transports are its
  // microservices, sharing one module instance (one DataSource, one event log).
  // Tracing first: spans of everything below (gRPC calls, consumed events) go to its exporter.
  const tracing = startTracing(config.name);
  const metrics = await startMetrics(config.name);
  // Flushed together once everything else has shut down.
  const telemetry = { shutdown: async () => void (await Promise.all([tracing.shutdown(), metrics.shutdown()])) };
  const lifecycle: HostLifecycle = { closing: false };
  const app = await NestFactory.create(ServiceHostModule.wrap(config.module, health, healthNames, telemetry, lifecycle), { logger });
  app.useGlobalInterceptors(new GrpcTracingInterceptor());
  app.useGlobalFilters(new DependencyOutageFilter());
  app.connectMicroservice<MicroserviceOptions>(
    {
      transport: Transport.GRPC,
      options: {
        url: address,
        package: config.protos?.packages ?? [],
        packageDefinition: served,
        credentials: grpcServerCredentials(tls),
        onLoadPackageDefinition: (definition: PackageDefinition, server: Server) => {
          health.addToServer(server);
          // Reflection describes everything the server answers, health included.
          addReflection(server, [...serviceNames(definition), HEALTH_SERVICE], definition);
        },
      },
    },
    { inheritAppConfig: true },
  );
  for (const strategy of [...healthListenersFromEnv(health, process.env), ...(config.transports?.(app) ?? [])]) {
    app.connectMicroservice<MicroserviceOptions>({ strategy }, { inheritAppConfig: true });
  }
  if (config.handleSignals ?? true) app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  await app.startAllMicroservices();
  await app.init();
  const exitOnFailure = config.exitOnFailure ?? config.handleSignals ?? true;
  let exiting = false;
  const showHealth = (): void => {
    if (lifecycle.closing) return;
    const serving = dependencyHealth.overall() === 'ok';
    for (const name of healthNames) health.setStatus(name, serving ? 'SERVING' : 'NOT_SERVING');
  };
  const unsubscribe = dependencyHealth.subscribe((report, overall) => {
    const reason = report.reason ? `: ${report.reason}` : '';
    if (report.status === 'ok')
      logger.log(`${report.component} resumed; health ${overall === 'ok' ? 'SERVING' : 'NOT_SERVING'}`, 'ServiceHost');
    else logger.warn(`${report.component} ${report.status}${reason}; health NOT_SERVING`, 'ServiceHost');
    showHealth();
    if (report.status === 'failed' && exitOnFailure && !exiting) {
      exiting = true;
      logger.error(
        `${report.component} cannot resume${reason}; exiting with code 1 so the supervisor restarts this process`,
        undefined,
        'ServiceHost',
      );
      const exit = (): never => process.exit(1);
      setTimeout(exit, 10_000).unref();
      void app.close().then(exit, exit);
    }
  });
  lifecycle.onClose = unsubscribe;
  showHealth();
  if (metrics.url) logger.log(`metrics at ${metrics.url}`, 'ServiceHost');
  logger.log(`gRPC server (${describeGrpcTls(tls)}) listening on ${address}`, 'ServiceHost');
  return { app, address, metricsUrl: metrics.url };
}

/** Fully-qualified service names in a package definition (messages and enums carry `format`). */
function serviceNames(definition: PackageDefinition): string[] {
  return Object.entries(definition)
    .filter(([, entry]) => !('format' in entry))
    .map(([name]) => name);
}
