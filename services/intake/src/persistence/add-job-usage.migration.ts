// What the usage and ledger topics said about each job's usage records, for its settlement
// state: one row per usage record, whichever of its two facts arrives first (UsageMetered names
// the job; PostingRecorded names only the usage id, so its row may wait for the job id).
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddJobUsage1765100000000 implements MigrationInterface {
  name = 'AddJobUsage1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE job_usage (
        usage_id text    PRIMARY KEY,
        job_id   uuid,
        metered  boolean NOT NULL DEFAULT false,
        posted   boolean NOT NULL DEFAULT false
      )`);
    await queryRunner.query('CREATE INDEX job_usage_by_job ON job_usage (job_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE job_usage');
  }
}
