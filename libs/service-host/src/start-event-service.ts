// The one way an event-driven Switchyard service starts. In this order: tracing and metrics, the
// service's database (its schema created if missing, migrations under the migration lock), the
// event log and the service's topics, the service's own extras (`resources`), then one Nest
// application serving gRPC (health, reflection) with the event runtime's EventLogServer
// (consumers and outbox relay) as a second transport of the same module. Shutdown runs the other
// way: health NOT_SERVING, the gRPC server and the consumer and relay stop, the module's own
// hooks run, then the extras, the event log and the database close.
import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type INestApplicationContext,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { topicNames, topicProvisioning, type TopicName } from '@switchyard/contracts';
import type { EventLog } from '@switchyard/event-log';
import {
  EventLogServer,
  openEventLog,
  openServiceDatabase,
  type BatchHandling,
  type EventHandler,
  type OutboxRelayOptions,
  type RetryPolicy,
  type ServiceEnvironment,
} from '@switchyard/event-runtime';
import { startMetrics, startTracing } from '@switchyard/telemetry';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { CLOCK, systemClock, type Clock } from './clock.js';
import type { GrpcTlsSettings } from './grpc-tls.js';
import { JsonLogger } from './json-logger.js';
import { resolveListenAddress } from './listen-address.js';
import { startGrpcService, type RunningGrpcService, type ServedProtos } from './start-grpc-service.js';

/** The token of the service's EventLog in its module (the DataSource is provided as `DataSource`). */
export const EVENT_LOG = Symbol('service-host.event-log');
/** The token of the physical topic names under the configured prefix (`Readonly<Record<TopicName, string>>`). */
export const TOPIC_NAMES = Symbol('service-host.topic-names');

/** What every event-driven service's configuration carries (its config.ts adds its own). */
export interface EventServiceConfig extends ServiceEnvironment {
  /** `host:port` to serve gRPC on; port 0 picks a free port. */
  readonly grpcUrl: string;
}

/** What is open when the module is built: extras and the module may use it. */
export interface OpenedService<C extends EventServiceConfig = EventServiceConfig> {
  readonly config: C;
  /** The address the gRPC server will listen on (port 0 already resolved to a free port). */
  readonly address: string;
  readonly dataSource: DataSource;
  readonly eventLog: EventLog;
  /** Physical names of the topics under the configured prefix. */
  readonly topics: Readonly<Record<TopicName, string>>;
}

/** A service's own extras: providers added to its module, closed after the module's own hooks ran. */
export interface ServiceResources {
  readonly providers?: readonly Provider[];
  readonly close?: () => Promise<void> | void;
}

/** The consumer group the EventLogServer runs; its handlers are the module's `@EventPattern` methods. */
export interface EventServiceConsumers {
  readonly groupId: string;
  readonly topics: readonly TopicName[];
  /** Event types the service skips on purpose (others without a handler are warned about). */
  readonly ignoredTypes?: readonly string[];
  readonly retry?: Partial<RetryPolicy>;
  readonly maxBatchSize?: number;
  /** A batch path (e.g. a projection's), built from the module once its providers exist. */
  readonly batchHandler?: (app: INestApplicationContext) => BatchHandling;
  /** Handlers by event type beside the `@EventPattern` ones, built from the module. */
  readonly handlers?: (app: INestApplicationContext) => ReadonlyMap<string, EventHandler>;
}

export interface EventServiceOptions<C extends EventServiceConfig> {
  /** Service name: log context, tracing and metrics resource, event-log client id `switchyard-<name>`. */
  readonly name: string;
  readonly config: C;
  /** The service's root module, `XModule.register(config)`; a function when it needs what was opened. */
  readonly module: DynamicModule | ((opened: OpenedService<C>) => DynamicModule);
  /** The gRPC API the module's controllers implement; without it, health and reflection only. */
  readonly protos?: ServedProtos;
  /** The topics the service reads or writes, created if missing (an existing topic is left alone). */
  readonly topics: readonly TopicName[];
  /** The service's migrations (include `eventRuntimeMigrations` for the inbox and outbox). */
  readonly migrations: NonNullable<DataSourceOptions['migrations']>;
  readonly migrationsTableName?: string;
  readonly poolSize?: number;
  readonly eventLog?: { readonly clientId?: string; readonly pollIntervalMs?: number };
  /** The consumer group served as a transport; omit when the service consumes on its own terms. */
  readonly consumers?: EventServiceConsumers;
  /**
   * The outbox relay (default on, beside the consumers): `false` when the service runs its own,
   * or options to tune it. Without `consumers` the relay needs no transport and is not started.
   */
  readonly relay?: boolean | Omit<OutboxRelayOptions, 'dataSource' | 'eventLog'>;
  /** Opens the service's extras (files, feeds, watchers) once the database and log are open. */
  readonly resources?: (opened: OpenedService<C>) => Promise<ServiceResources> | ServiceResources;
  /** Exit on SIGTERM/SIGINT (default); off when a test runner hosts the service. */
  readonly handleSignals?: boolean;
  readonly tls?: GrpcTlsSettings | null;
  readonly exitOnFailure?: boolean;
  /** The module's Clock (CLOCK): the system clock unless a test sets one. */
  readonly clock?: Clock;
}

export interface RunningEventService extends RunningGrpcService {
  readonly dataSource: DataSource;
  readonly eventLog: EventLog;
  /** Stops the service as SIGTERM would (without exiting the process). */
  close(): Promise<void>;
}

export async function startEventService<C extends EventServiceConfig>(options: EventServiceOptions<C>): Promise<RunningEventService> {
  const { config, name } = options;
  const logger = new JsonLogger(name);
  // What is open so far, closed in reverse order on shutdown or when a later step fails.
  const closers: (() => Promise<unknown> | unknown)[] = [];
  let closing: Promise<void> | undefined;
  const closeAll = (): Promise<void> =>
    (closing ??= (async () => {
      for (const close of closers.reverse()) {
        try {
          await close();
        } catch (error) {
          logger.error(`closing: ${String(error)}`, undefined, 'ServiceHost');
        }
      }
    })());

  try {
    // 1. Tracing and metrics first, so spans and metrics of everything below are kept
    //    (startGrpcService joins the same providers and flushes them last).
    startTracing(name);
    const metrics = await startMetrics(name);
    closers.push(() => metrics.shutdown());
    const address = await resolveListenAddress(config.grpcUrl);
    // 2. The database: schema, migration lock, migrations.
    const dataSource = await openServiceDatabase(config, {
      migrations: options.migrations,
      ...(options.migrationsTableName ? { migrationsTableName: options.migrationsTableName } : {}),
      ...(options.poolSize ? { poolSize: options.poolSize } : {}),
    });
    closers.push(() => (dataSource.isInitialized ? dataSource.destroy() : undefined));
    // 3. The event log and the declared topics.
    const eventLog = openEventLog(
      config.eventLog,
      options.eventLog?.clientId ?? `switchyard-${name}`,
      options.eventLog?.pollIntervalMs ? { pollIntervalMs: options.eventLog.pollIntervalMs } : {},
    );
    closers.push(() => eventLog.close());
    await eventLog.admin.createTopics(topicProvisioning(config.topicPrefix, options.topics));
    const topics = topicNames(config.topicPrefix);
    const opened: OpenedService<C> = { config, address, dataSource, eventLog, topics };
    // 4. The service's extras.
    const resources = (await options.resources?.(opened)) ?? {};
    if (resources.close) closers.push(resources.close);

    const service = typeof options.module === 'function' ? options.module(opened) : options.module;
    const module: DynamicModule = {
      ...service,
      // Imported by the service's module, so its shutdown hook runs after the service's own.
      imports: [...(service.imports ?? []), ResourcesModule.closing(closeAll)],
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: EVENT_LOG, useValue: eventLog },
        { provide: TOPIC_NAMES, useValue: topics },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        ...(resources.providers ?? []),
        ...(service.providers ?? []),
      ],
    };
    const { consumers } = options;
    const relay = options.relay ?? true;
    // 5. One Nest application: gRPC with health and reflection, the consumers and relay as a transport.
    const running = await startGrpcService({
      name,
      module,
      url: address,
      ...(options.protos ? { protos: options.protos } : {}),
      handleSignals: options.handleSignals ?? true,
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      ...(options.exitOnFailure !== undefined ? { exitOnFailure: options.exitOnFailure } : {}),
      transports: (app) =>
        consumers
          ? [
              new EventLogServer({
                eventLog,
                dataSource,
                groupId: consumers.groupId,
                topics: consumers.topics.map((topic) => topics[topic]),
                ...(consumers.ignoredTypes ? { ignoredTypes: consumers.ignoredTypes } : {}),
                ...(consumers.retry ? { retry: consumers.retry } : {}),
                ...(consumers.maxBatchSize ? { maxBatchSize: consumers.maxBatchSize } : {}),
                ...(consumers.batchHandler ? { batchHandler: consumers.batchHandler(app) } : {}),
                ...(consumers.handlers ? { handlers: consumers.handlers(app) } : {}),
                relay,
              }),
            ]
          : [],
    });
    if (consumers)
      logger.log(`consuming ${consumers.topics.map((t) => topics[t]).join(', ')} as group ${consumers.groupId}`, 'ServiceHost');
    return { ...running, dataSource, eventLog, close: () => running.app.close() };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

const CLOSE_RESOURCES = Symbol('service-host.close-resources');

/** Closes the extras, the event log and the database after the service module's own hooks ran. */
@Injectable()
class ResourcesOnShutdown implements OnApplicationShutdown {
  constructor(@Inject(CLOSE_RESOURCES) private readonly close: () => Promise<void>) {}

  async onApplicationShutdown(): Promise<void> {
    new Logger('ServiceHost').log('closing the event log and the database');
    await this.close();
  }
}

/**
 * Nest runs onApplicationShutdown module by module from the root down its imports (after the
 * transports closed), so a module the service's module imports closes after the service's own
 * hooks ran: its schedulers and feeds stop before what they use is closed here.
 */
@Module({})
class ResourcesModule {
  static closing(close: () => Promise<void>): DynamicModule {
    return { module: ResourcesModule, providers: [{ provide: CLOSE_RESOURCES, useValue: close }, ResourcesOnShutdown] };
  }
}
