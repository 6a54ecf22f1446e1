// A service the NestJS way: `@EventPattern` handlers on the EventLogServer strategy, events
// appended to the log, effects and emitted events in one transaction per event.
import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Controller, Module, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import type { LoggedEvent } from '@switchyard/event-log';
import { uniqueName } from '@switchyard/testing';
import { deadLetterTopic, EventHandlerErrorFilter, EventLogContext, EventLogServer, fromDeadLetterEnvelope } from '../src/index.js';
import { accountEvent, accountsState, DEPOSITED } from './support/accounts.js';
import { BACKENDS, createTopic, eventually, type Backend } from './support/runtime-fixture.js';
import { runtimeScope } from './support/runtime-scope.js';

const LARGE_DEPOSIT = 'test.accounts.v1.LargeDepositNoticed';
const RENAMED = 'test.accounts.v1.AccountRenamed';
const AUDITED = 'test.accounts.v1.AccountAudited';
const FROZEN = 'test.accounts.v1.AccountFrozen';
let alertsTopic = '';

@Controller()
class AccountsConsumer {
  @EventPattern<string>(DEPOSITED)
  async deposited(@Payload() data: { accountId: string; amount: number }, @Ctx() context: EventLogContext): Promise<void> {
    const manager = context.getManager();
    await manager.query(
      `INSERT INTO accounts (account_id, balance, applied) VALUES ($1, $2, 1)
       ON CONFLICT (account_id) DO UPDATE SET balance = accounts.balance + $2, applied = accounts.applied + 1`,
      [data.accountId, data.amount],
    );
    if (data.amount >= 100) {
      const cause = context.getEnvelope();
      await context.emit(alertsTopic, {
        id: `${cause.id}:large`,
        type: LARGE_DEPOSIT,
        source: '/switchyard/accounts',
        subject: data.accountId,
        time: cause.time,
        causationId: cause.id,
        data: { accountId: data.accountId, amount: data.amount },
      });
    }
  }

  @EventPattern<string>(FROZEN)
  frozen(): never {
    throw new Error('freezing is not supported by this ledger');
  }
}

@Module({ controllers: [AccountsConsumer] })
class AccountsModule {}

class CapturingLogger implements LoggerService {
  readonly warnings: string[] = [];
  log(): void {}
  error(): void {}
  warn(message: unknown): void {
    this.warnings.push(String(message));
  }
}

describe.each(BACKENDS)('EventLogServer, %s log', (backend: Backend) => {
  const scope = runtimeScope();

  it('runs @EventPattern handlers once per event with the outbox, dead letters, warnings and lag', async () => {
    const { dataSource, log } = await scope.open(backend);
    const topic = await createTopic(log, 'accounts', 2);
    alertsTopic = await createTopic(log, 'alerts', 2);

    const logger = new CapturingLogger();
    const server = new EventLogServer({
      eventLog: log,
      dataSource,
      groupId: uniqueName('accounts-service'),
      topics: [topic],
      ignoredTypes: [AUDITED],
      retry: { maxAttempts: 2, initialBackoffMs: 50 },
      relay: { pollIntervalMs: 200 },
    });
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(AccountsModule, { strategy: server, logger });
    app.useGlobalFilters(new EventHandlerErrorFilter());
    await app.listen();
    scope.defer(() => app.close());

    const big = accountEvent(DEPOSITED, 'acct-1', 150);
    const frozen = { ...accountEvent(DEPOSITED, 'acct-2', 0), type: FROZEN };
    const sent = [
      accountEvent(DEPOSITED, 'acct-1', 20),
      big,
      { ...accountEvent(DEPOSITED, 'acct-2', 0), type: RENAMED },
      { ...accountEvent(DEPOSITED, 'acct-2', 0), type: RENAMED },
      { ...accountEvent(DEPOSITED, 'acct-2', 0), type: AUDITED },
      frozen,
      accountEvent(DEPOSITED, 'acct-2', 30),
    ];
    await log.append(topic, sent);
    await log.append(topic, [big]); // a redelivered copy of the same event

    await eventually(async () => {
      const lag = await server.consumerLag();
      expect(lag.map((p) => p.partition).sort()).toEqual([0, 1]);
      expect(lag.every((p) => p.lag === 0)).toBe(true);
    }, 60_000);
    expect(await accountsState(dataSource.manager)).toEqual([
      expect.objectContaining({ account_id: 'acct-1', balance: '170', applied: 2 }),
      expect.objectContaining({ account_id: 'acct-2', balance: '30', applied: 1 }),
    ]);

    const alerts = await eventually(async () => {
      const read: LoggedEvent[] = [];
      for await (const event of log.read({ topic: alertsTopic })) read.push(event);
      expect(read).toHaveLength(1);
      return read;
    });
    expect(alerts[0]!.envelope).toMatchObject({ type: LARGE_DEPOSIT, subject: 'acct-1', causationId: big.id });

    const letters = await eventually(async () => {
      const read: LoggedEvent[] = [];
      for await (const event of log.read({ topic: deadLetterTopic(topic) })) read.push(event);
      expect(read).toHaveLength(1);
      return read;
    });
    expect(fromDeadLetterEnvelope(letters[0]!.envelope)).toMatchObject({
      envelope: frozen,
      attempts: 2,
      error: 'freezing is not supported by this ledger',
    });

    const unknown = logger.warnings.filter((w) => w.includes('has no handler'));
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toContain(RENAMED);
    expect(logger.warnings.join('\n')).not.toContain(AUDITED);

    await app.close();
  }, 120_000);
});
