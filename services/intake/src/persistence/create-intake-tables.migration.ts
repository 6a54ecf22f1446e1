// The intake schema: tenants and their hashed API keys, the job projection and each job's
// history (what WatchJob replays). Tables are unqualified: the connection's search_path names
// the schema (DATABASE_SCHEMA, `intake` by default).
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateIntakeTables1764100000000 implements MigrationInterface {
  name = 'CreateIntakeTables1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tenants (
        id                      text        PRIMARY KEY,
        plan                    text        NOT NULL,
        -- Placeholder until the economics work enforces it; NULL means no cap.
        spending_cap_base_units bigint,
        updated_at              timestamptz NOT NULL DEFAULT now()
      )`);
    // Only a SHA-256 of each key is kept: keys are long random strings, so a fast hash is enough.
    await queryRunner.query(`
      CREATE TABLE tenant_api_keys (
        key_sha256 text PRIMARY KEY CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
        tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE
      )`);
    // One row per job: the switchyard.v1.Job as protobuf JSON, plus the columns queries filter on.
    await queryRunner.query(`
      CREATE TABLE jobs (
        id               uuid        PRIMARY KEY,
        tenant_id        text        NOT NULL,
        idempotency_key  text        NOT NULL,
        spec_fingerprint text        NOT NULL,
        state            text        NOT NULL,
        tier             text        NOT NULL,
        submitted_at     timestamptz NOT NULL,
        updated_at       timestamptz NOT NULL,
        last_seq         integer     NOT NULL,
        job              jsonb       NOT NULL,
        CONSTRAINT jobs_tenant_idempotency_key UNIQUE (tenant_id, idempotency_key)
      )`);
    await queryRunner.query('CREATE INDEX jobs_tenant_listing ON jobs (tenant_id, submitted_at DESC, id DESC)');
    // Every applied event of a job, numbered 1, 2, ... per job (the WatchJob cursor), with the
    // job as it stood after it. event_id is unique: an event applied at the gRPC edge (the
    // job's own JobSubmitted, JobCancelRequested) is not applied again when it comes back
    // from the log.
    await queryRunner.query(`
      CREATE TABLE job_history (
        job_id      uuid        NOT NULL REFERENCES jobs (id),
        seq         integer     NOT NULL,
        event_id    text        NOT NULL UNIQUE,
        event_type  text        NOT NULL,
        occurred_at timestamptz NOT NULL,
        detail      text        NOT NULL,
        job         jsonb       NOT NULL,
        PRIMARY KEY (job_id, seq)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE job_history');
    await queryRunner.query('DROP TABLE jobs');
    await queryRunner.query('DROP TABLE tenant_api_keys');
    await queryRunner.query('DROP TABLE tenants');
  }
}
