// The job-input bytes a run fetched, priced at the rate card's per_gb_fetched: kept per usage line
// so ListUsage reports them. Lines from before are 0 (no report carried the field).
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddFetchedBytes1765000000001 implements MigrationInterface {
  name = 'AddFetchedBytes1765000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE usage_lines ADD COLUMN fetched_bytes numeric(20) NOT NULL DEFAULT 0');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE usage_lines DROP COLUMN fetched_bytes');
  }
}
