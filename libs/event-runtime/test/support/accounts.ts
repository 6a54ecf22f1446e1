// A tiny example domain for the runtime's tests: account balances keyed by account id.
// Withdrawals that exceed the balance are refused, so the final state depends on order and on
// how many times each event was applied.
import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@switchyard/event-log';
import type { EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import type { EventHandler } from '../../src/index.js';

export const DEPOSITED = 'test.accounts.v1.Deposited';
export const WITHDRAWN = 'test.accounts.v1.Withdrawn';
export const OPENED = 'test.accounts.v1.AccountOpened';

export class CreateAccounts1764000000100 implements MigrationInterface {
  name = 'CreateAccounts1764000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE accounts (
        account_id text PRIMARY KEY,
        balance    bigint NOT NULL DEFAULT 0,
        refused    integer NOT NULL DEFAULT 0,
        applied    integer NOT NULL DEFAULT 0,
        history    text[] NOT NULL DEFAULT '{}'
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE accounts');
  }
}

export function accountEvent(type: typeof DEPOSITED | typeof WITHDRAWN | typeof OPENED, accountId: string, amount: number): EventEnvelope {
  return {
    id: randomUUID(),
    type,
    source: '/switchyard/event-runtime-test',
    subject: accountId,
    time: '2026-01-01T00:00:00.000Z',
    data: { accountId, amount },
  };
}

/** The fold of one account event into the accounts table, through the transaction's manager. */
export const applyAccountEvent: EventHandler = async (event, { manager }) => {
  const { accountId, amount } = event.envelope.data as { accountId: string; amount: number };
  await manager.query('INSERT INTO accounts (account_id) VALUES ($1) ON CONFLICT DO NOTHING', [accountId]);
  const signed = event.envelope.type === WITHDRAWN ? -amount : amount;
  // Row lock first: concurrent writers of one account serialize here.
  const [{ balance }] = (await manager.query('SELECT balance FROM accounts WHERE account_id = $1 FOR UPDATE', [accountId])) as [
    { balance: string },
  ];
  if (Number(balance) + signed < 0) {
    await manager.query('UPDATE accounts SET refused = refused + 1, applied = applied + 1 WHERE account_id = $1', [accountId]);
    return;
  }
  await manager.query(
    'UPDATE accounts SET balance = balance + $2, applied = applied + 1, history = array_append(history, $3) WHERE account_id = $1',
    [accountId, signed, `${signed}`],
  );
};

export interface AccountRow {
  account_id: string;
  balance: string;
  refused: number;
  applied: number;
  history: string[];
}

export async function accountsState(manager: EntityManager): Promise<AccountRow[]> {
  return manager.query('SELECT account_id, balance, refused, applied, history FROM accounts ORDER BY account_id') as Promise<AccountRow[]>;
}
