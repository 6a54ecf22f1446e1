// Gangs split over several providers: a live job's members (the lead first, with the GPUs each
// holds) and, on each member's assignment, the gang it belongs to (streamed to that member).
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddGangMembers1765200000000 implements MigrationInterface {
  name = 'AddGangMembers1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN gang_members jsonb NOT NULL DEFAULT '[]'`);
    await queryRunner.query('ALTER TABLE assignments ADD COLUMN gang jsonb');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE assignments DROP COLUMN gang');
    await queryRunner.query('ALTER TABLE jobs DROP COLUMN gang_members');
  }
}
