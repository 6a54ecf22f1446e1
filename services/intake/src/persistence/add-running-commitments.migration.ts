// The spending cap's running total: per tenant, the worst-case quotes of the jobs it submitted
// since the window started (the last epoch cutoff intake has seen), less those cancelled or
// expired. Kept in step by SubmitJob (adds), the projection (cancel and expiry subtract) and
// EpochClosed (the window moves: recomputed once per epoch), so a submission's cap check reads
// one row instead of summing the tenant's history.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddRunningCommitments1764900000000 implements MigrationInterface {
  name = 'AddRunningCommitments1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE spending_commitments (
        tenant_id            text        PRIMARY KEY,
        window_start         timestamptz NOT NULL,
        committed_base_units bigint      NOT NULL CHECK (committed_base_units >= 0)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE spending_commitments');
  }
}
