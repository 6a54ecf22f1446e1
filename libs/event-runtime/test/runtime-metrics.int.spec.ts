// What every consumer group and outbox exports, read from a real Prometheus endpoint while a real
// consumer works on each backend: events by outcome, dead letters, processing time, lag per
// partition going to zero, and the outbox backlog the relay drains.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startMetrics, type Metrics } from '@switchyard/telemetry';
import { scrape, select } from '@switchyard/telemetry/testing';
import { uniqueName } from '@switchyard/testing';
import { EventConsumer, Outbox, OutboxRelay, type EventHandler } from '../src/index.js';
import { accountEvent, applyAccountEvent, DEPOSITED } from './support/accounts.js';
import { BACKENDS, createTopic, eventually, quietLogger, type Backend } from './support/runtime-fixture.js';
import { runtimeScope } from './support/runtime-scope.js';

let metrics: Metrics;
beforeAll(async () => {
  metrics = await startMetrics('runtime-metrics-spec', { env: { METRICS_ADDRESS: '127.0.0.1:0' } });
});
afterAll(() => metrics.shutdown());

describe.each(BACKENDS)('event runtime metrics, %s log', (backend: Backend) => {
  const scope = runtimeScope();

  it('counts events by outcome and dead letters, times them, and reports lag per partition until it is 0', async () => {
    const { dataSource, log } = await scope.open(backend);
    const topic = await createTopic(log, 'deposits', 2);
    const groupId = uniqueName('metered');
    const poison = accountEvent(DEPOSITED, 'acct-p', 1);
    const handler: EventHandler = async (event, context) => {
      if (event.envelope.id === poison.id) throw new Error('rejected');
      await applyAccountEvent(event, context);
    };
    await log.append(topic, [accountEvent(DEPOSITED, 'acct-a', 5), poison, accountEvent(DEPOSITED, 'acct-b', 7)]);
    const consumer = new EventConsumer({
      eventLog: log,
      dataSource,
      groupId,
      topics: [topic],
      handlers: new Map([[DEPOSITED, handler]]),
      retry: { maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 50, multiplier: 1 },
      logger: quietLogger,
    });
    await consumer.start();
    scope.defer(() => consumer.stop());

    const group = { messaging_consumer_group_name: groupId };
    const samples = await eventually(async () => {
      const scraped = await scrape(metrics.url!);
      expect(select(scraped, 'messaging_client_consumed_messages_total', { ...group, switchyard_event_outcome: 'applied' })[0]?.value).toBe(
        2,
      );
      // A zero series per topic from the start, and the poison's.
      expect(select(scraped, 'switchyard_dead_letters_total', group).reduce((n, sample) => n + sample.value, 0)).toBe(1);
      const lag = select(scraped, 'switchyard_consumer_lag', { ...group, messaging_destination_name: topic });
      expect(lag.map((sample) => [sample.labels.messaging_destination_partition_id, sample.value]).sort()).toEqual([
        ['0', 0],
        ['1', 0],
      ]);
      return scraped;
    }, 30_000);
    const system = backend === 'kafka' ? 'kafka' : 'postgresql';
    expect(select(samples, 'switchyard_dead_letters_total', { ...group, cloudevents_event_type: DEPOSITED })[0]).toMatchObject({
      value: 1,
      labels: { messaging_system: system, messaging_destination_name: topic },
    });
    expect(select(samples, 'switchyard_dead_letters_total', group).map((sample) => sample.labels.messaging_destination_name)).toEqual([
      topic,
      topic,
    ]);
    expect(
      select(samples, 'messaging_client_consumed_messages_total', { ...group, switchyard_event_outcome: 'dead-lettered' })[0]?.value,
    ).toBe(1);
    // Two applied, and the poison's two failed attempts (error.type set); an event that shared the
    // poison's batch ran once more in that batch's rolled-back transaction before it applied alone.
    const processed = select(samples, 'messaging_process_duration_count', { ...group, messaging_operation_name: 'process' }).reduce(
      (n, s) => n + s.value,
      0,
    );
    expect(processed).toBeGreaterThanOrEqual(4);
    expect(processed).toBeLessThanOrEqual(6);
    expect(select(samples, 'messaging_process_duration_count', { ...group, error_type: 'Error' })[0]?.value).toBe(2);
  }, 90_000);

  it('reports the outbox backlog and its oldest age while the log refuses the rows, then what the relay appended', async () => {
    const { schema, dataSource, log } = await scope.open(backend);
    // Not created yet: the relay's appends fail and it keeps the rows.
    const topic = uniqueName('relayed');
    await dataSource.transaction((manager) =>
      new Outbox().add(manager, topic, [accountEvent(DEPOSITED, 'acct-o', 1), accountEvent(DEPOSITED, 'acct-o', 2)]),
    );
    const relay = new OutboxRelay({ dataSource, eventLog: log, logger: quietLogger, pollIntervalMs: 100, retryDelayMs: 200 });
    relay.start();
    scope.defer(() => relay.stop());
    const namespace = { db_namespace: schema.name };
    await eventually(async () => {
      const scraped = await scrape(metrics.url!);
      expect(select(scraped, 'switchyard_outbox_backlog', namespace)[0]?.value).toBe(2);
      expect(select(scraped, 'switchyard_outbox_oldest_age', namespace)[0]?.value).toBeGreaterThan(0);
    });

    await log.admin.createTopics([{ topic, partitions: 1 }]);
    await eventually(async () => {
      const scraped = await scrape(metrics.url!);
      expect(select(scraped, 'switchyard_outbox_backlog', namespace)[0]?.value).toBe(0);
      expect(select(scraped, 'switchyard_outbox_oldest_age', namespace)[0]?.value).toBe(0);
      expect(select(scraped, 'messaging_client_sent_messages_total', { messaging_destination_name: topic })[0]?.value).toBe(2);
    }, 30_000);
  }, 90_000);
});
