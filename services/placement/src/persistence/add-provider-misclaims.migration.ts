// How many completion reports showed a provider fetching an input it advertised as held: part of
// its track record (reputation), kept across a change of leader.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddProviderMisclaims1765100000001 implements MigrationInterface {
  name = 'AddProviderMisclaims1765100000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE providers ADD COLUMN misclaims integer NOT NULL DEFAULT 0');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE providers DROP COLUMN misclaims');
  }
}
