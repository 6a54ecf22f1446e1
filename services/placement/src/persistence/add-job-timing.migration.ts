// When each live attempt was placed and when each waiting job began to wait: start timeouts,
// reconciliation's grace and stranded jobs count from them, also across a change of leader.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddJobTiming1764900000001 implements MigrationInterface {
  name = 'AddJobTiming1764900000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE jobs ADD COLUMN placed_at timestamptz, ADD COLUMN waiting_since timestamptz');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE jobs DROP COLUMN placed_at, DROP COLUMN waiting_since');
  }
}
