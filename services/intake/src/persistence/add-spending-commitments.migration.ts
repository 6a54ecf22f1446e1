// Spending caps: each job keeps the worst-case price it was accepted under, and the epochs payout
// closed (from the ledger topic) bound the window a tenant's cap applies to.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddSpendingCommitments1764100000001 implements MigrationInterface {
  name = 'AddSpendingCommitments1764100000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE jobs ADD COLUMN worst_case_base_units bigint NOT NULL DEFAULT 0 CHECK (worst_case_base_units >= 0)',
    );
    await queryRunner.query('CREATE TABLE epochs (epoch_id text PRIMARY KEY, cutoff timestamptz NOT NULL)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE epochs');
    await queryRunner.query('ALTER TABLE jobs DROP COLUMN worst_case_base_units');
  }
}
