// Running totals, so that the hot path and the reads do not sum history: each account's balance
// (kept by appendPosting with its entries) and each tenant's spend in the open epoch window (kept
// by the usage consumer; the spending-cap check reads it). Both are backfilled from the ledger.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddRunningTotals1764900000002 implements MigrationInterface {
  name = 'AddRunningTotals1764900000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE ledger_balances (account_id text PRIMARY KEY, balance numeric NOT NULL)');
    await queryRunner.query(
      'INSERT INTO ledger_balances (account_id, balance) SELECT account_id, sum(amount) FROM ledger_entries GROUP BY account_id',
    );
    await queryRunner.query(
      'CREATE TABLE payout_tenant_spend (tenant_id text NOT NULL, window_start timestamptz NOT NULL, spent numeric NOT NULL, PRIMARY KEY (tenant_id, window_start))',
    );
    await queryRunner.query(
      `INSERT INTO payout_tenant_spend (tenant_id, window_start, spent)
       SELECT u.tenant_id, w.start, sum(u.charge)
       FROM ledger_usage u, (SELECT coalesce((SELECT cutoff FROM payout_epochs ORDER BY seq DESC LIMIT 1), 'epoch'::timestamptz) AS start) w
       WHERE u.metered_at >= w.start GROUP BY u.tenant_id, w.start`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE payout_tenant_spend, ledger_balances');
  }
}
