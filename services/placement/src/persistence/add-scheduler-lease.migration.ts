// The in-memory scheduler's tables: the leader lease (one active scheduler; its epoch fences
// every cycle's commit) and the indexes a takeover needs to load the live jobs of a long history
// without reading it all.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddSchedulerLease1764900000000 implements MigrationInterface {
  name = 'AddSchedulerLease1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE scheduler_lease (
        name       text        PRIMARY KEY,
        holder     text,
        address    text,
        epoch      bigint      NOT NULL DEFAULT 0,
        expires_at timestamptz NOT NULL DEFAULT '-infinity'
      )`);
    await queryRunner.query(`INSERT INTO scheduler_lease (name) VALUES ('placement')`);
    await queryRunner.query(
      `CREATE INDEX jobs_live ON jobs (job_id) WHERE state IN ('SUBMITTED', 'CLASSIFIED', 'QUEUED', 'PLACED', 'RUNNING', 'REQUEUED')`,
    );
    await queryRunner.query('CREATE INDEX assignments_by_job ON assignments (job_id, attempt)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX assignments_by_job');
    await queryRunner.query('DROP INDEX jobs_live');
    await queryRunner.query('DROP TABLE scheduler_lease');
  }
}
