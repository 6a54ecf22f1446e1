// startEventService against the real PostgreSQL (the service's schema and the PostgreSQL event
// log): it creates the schema and migrates it, creates the declared topics, serves the module's
// @EventPattern handlers as a consumer group with the outbox relay beside gRPC health, hands the
// module its DataSource and event log, and closes in reverse order.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { topicNames } from '@switchyard/contracts';
import type { EventEnvelope, EventLog } from '@switchyard/event-log';
import { EVENT_LOG_TRANSPORT, EventLogContext, eventRuntimeMigrations } from '@switchyard/event-runtime';
import { createTestSchema, databaseUrl, eventually, readAll, uniqueName, type TestSchema } from '@switchyard/testing';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { checkHealth, EVENT_LOG, startEventService, type EventServiceConfig, type RunningEventService } from '../src/index.js';

class CreatePings1700000000000 implements MigrationInterface {
  name = 'CreatePings1700000000000';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query('CREATE TABLE pings (id text PRIMARY KEY)');
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE pings');
  }
}

const PING = 'fixture.v1.Pinged';
const PONG = 'fixture.v1.Ponged';
const USAGE_TOPIC = Symbol('fixture.usage-topic');
const GREETING = Symbol('fixture.greeting');
/** What happened at shutdown, in order. */
const closed: string[] = [];

@Controller()
class PingConsumer {
  constructor(@Inject(USAGE_TOPIC) private readonly usageTopic: string) {}

  @EventPattern<string>(PING, EVENT_LOG_TRANSPORT)
  async onPing(_data: unknown, @Ctx() context: EventLogContext): Promise<void> {
    const ping = context.getEnvelope();
    await context.getManager().query('INSERT INTO pings (id) VALUES ($1)', [ping.id]);
    await context.emit(this.usageTopic, [{ ...ping, id: `pong-${ping.id}`, type: PONG }]);
  }
}

/** A provider of the module: its shutdown hook runs while the database and log are still open. */
@Injectable()
class ModuleHook implements OnApplicationShutdown {
  constructor(
    readonly dataSource: DataSource,
    @Inject(EVENT_LOG) readonly eventLog: EventLog,
    @Inject(GREETING) readonly greeting: string,
  ) {}

  onApplicationShutdown(): void {
    closed.push(`module hook (database open: ${this.dataSource.isInitialized})`);
  }
}

@Module({})
class PingModule {
  static register(config: EventServiceConfig): DynamicModule {
    return {
      module: PingModule,
      controllers: [PingConsumer],
      providers: [{ provide: USAGE_TOPIC, useValue: topicNames(config.topicPrefix).usage }, ModuleHook],
    };
  }
}

describe('startEventService', () => {
  let logSchema: TestSchema;
  let service: RunningEventService;
  const schema = `svc_${uniqueName('t').slice(2)}`;
  const prefix = `${uniqueName('svc')}.`;

  beforeAll(async () => {
    logSchema = await createTestSchema('svclog');
    const config: EventServiceConfig = {
      grpcUrl: '127.0.0.1:0',
      databaseUrl: databaseUrl(),
      databaseSchema: schema,
      eventLog: { backend: 'postgres', databaseUrl: logSchema.url },
      topicPrefix: prefix,
    };
    service = await startEventService({
      name: 'ping',
      config,
      module: PingModule.register(config),
      topics: ['jobs', 'usage'],
      migrations: [...eventRuntimeMigrations, CreatePings1700000000000],
      eventLog: { pollIntervalMs: 100 },
      consumers: { groupId: uniqueName('ping'), topics: ['jobs'] },
      relay: { pollIntervalMs: 100 },
      resources: () => ({ providers: [{ provide: GREETING, useValue: 'hello' }], close: () => void closed.push('resources') }),
      handleSignals: false,
    });
  }, 60_000);

  afterAll(async () => {
    const admin = new DataSource({ type: 'postgres', url: databaseUrl() });
    await admin.initialize();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.destroy();
    await logSchema?.drop();
  });

  it('creates the schema, migrates it, and gives the module its DataSource, event log and extras', async () => {
    const rows: { name: string }[] = await service.dataSource.query(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 ORDER BY 1`,
      [schema],
    );
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(['pings', 'event_inbox', 'event_outbox']));
    const hook = service.app.get(ModuleHook, { strict: false });
    expect(hook.dataSource).toBe(service.dataSource);
    expect(hook.eventLog).toBe(service.eventLog);
    expect(hook.greeting).toBe('hello');
  });

  it('serves health SERVING with the consumer group and the relay running', async () => {
    expect(await checkHealth(service.address)).toBe('SERVING');
  });

  it('consumes the declared topics with the module’s handlers and relays what they emit', async () => {
    const ping: EventEnvelope = {
      id: uniqueName('ping'),
      type: PING,
      source: '/test',
      subject: 'p1',
      time: new Date().toISOString(),
      data: {},
    };
    await service.eventLog.append(`${prefix}jobs`, [ping]);
    await eventually(async () => expect(await service.dataSource.query('SELECT id FROM pings')).toEqual([{ id: ping.id }]));
    await eventually(async () =>
      expect((await readAll(service.eventLog, `${prefix}usage`)).map((e) => e.envelope.id)).toEqual([`pong-${ping.id}`]),
    );
  });

  it('closes in reverse order: the module’s hooks with the database open, then the extras, then the log and the database', async () => {
    const { dataSource } = service;
    await service.close();
    expect(closed).toEqual(['module hook (database open: true)', 'resources']);
    expect(dataSource.isInitialized).toBe(false);
  });
});
