// The latency bound is the provider's first response: the time from placement to start. Payout
// keeps when the current attempt was placed to judge it.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddJobPlacedAt1764200000001 implements MigrationInterface {
  name = 'AddJobPlacedAt1764200000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE payout_jobs ADD COLUMN placed_at timestamptz');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE payout_jobs DROP COLUMN placed_at');
  }
}
