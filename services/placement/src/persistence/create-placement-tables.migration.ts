// Placement's working state. The log stays the source of truth; these tables are what the service
// needs to decide fast and to enforce what a fold cannot: capacity is reserved under a CHECK
// constraint, so no interleaving of placement instances can hand out a GPU twice.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePlacementTables1764100000000 implements MigrationInterface {
  name = 'CreatePlacementTables1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE providers (
        provider_id                   text        PRIMARY KEY,
        operator_id                   text        NOT NULL,
        endpoint                      text        NOT NULL,
        region                        text        NOT NULL,
        jurisdiction                  text        NOT NULL,
        gpus                          jsonb       NOT NULL,
        price_per_gpu_hour_base_units bigint      NOT NULL,
        advertised_latency_ms         integer     NOT NULL,
        token_hash                    text        NOT NULL,
        status                        text        NOT NULL CHECK (status IN ('ACTIVE', 'SUSPECT', 'LOST')),
        health                        text        NOT NULL,
        total_gpus                    integer     NOT NULL,
        reported_gpus_in_use          integer     NOT NULL DEFAULT 0,
        last_heartbeat_at             timestamptz NOT NULL,
        last_heartbeat_sequence       numeric(20) NOT NULL DEFAULT 0,
        missed_heartbeats             integer     NOT NULL DEFAULT 0,
        completions                   integer     NOT NULL DEFAULT 0,
        failures                      integer     NOT NULL DEFAULT 0,
        losses                        integer     NOT NULL DEFAULT 0,
        registered_at                 timestamptz NOT NULL,
        CONSTRAINT providers_operator_endpoint_key UNIQUE (operator_id, endpoint),
        CONSTRAINT providers_token_hash_key UNIQUE (token_hash)
      )`);
    // One row per provider and GPU class. The CHECK is the no-overbooking invariant: a reservation
    // that would exceed the inventory fails, whichever instance and transaction attempts it.
    await queryRunner.query(`
      CREATE TABLE provider_capacity (
        provider_id text    NOT NULL REFERENCES providers (provider_id),
        gpu_class   text    NOT NULL,
        total       integer NOT NULL CHECK (total >= 0),
        reserved    integer NOT NULL DEFAULT 0,
        PRIMARY KEY (provider_id, gpu_class),
        CONSTRAINT provider_capacity_never_overbooked CHECK (reserved >= 0 AND reserved <= total)
      )`);
    // Every job placement has seen, terminal ones included (reports of finished attempts are
    // answered from here). reserved_gpus > 0 exactly while the job holds GPUs on provider_id.
    await queryRunner.query(`
      CREATE TABLE jobs (
        job_id                text        PRIMARY KEY,
        tenant_id             text        NOT NULL,
        spec                  jsonb       NOT NULL,
        tier                  text,
        state                 text        NOT NULL,
        attempt               integer     NOT NULL DEFAULT 1,
        provider_id           text,
        operator_id           text,
        reserved_gpu_class    text,
        reserved_gpus         integer     NOT NULL DEFAULT 0 CHECK (reserved_gpus >= 0),
        excluded_provider_ids text[]      NOT NULL DEFAULT '{}',
        submitted_at          timestamptz NOT NULL,
        deadline              timestamptz,
        updated_at            timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT jobs_reservation_has_provider CHECK (reserved_gpus = 0 OR provider_id IS NOT NULL)
      )`);
    await queryRunner.query(`CREATE INDEX jobs_waiting ON jobs (state) WHERE state IN ('QUEUED', 'CLASSIFIED', 'REQUEUED')`);
    await queryRunner.query(`CREATE INDEX jobs_holding ON jobs (provider_id) WHERE state IN ('PLACED', 'RUNNING')`);
    // What each provider's StreamAssignments delivers, in seq order (seq is the resume cursor).
    await queryRunner.query(`
      CREATE TABLE assignments (
        seq         bigserial   PRIMARY KEY,
        provider_id text        NOT NULL,
        job_id      text        NOT NULL,
        attempt     integer     NOT NULL,
        kind        text        NOT NULL CHECK (kind IN ('ASSIGN', 'STOP')),
        stop_reason text,
        tier        text,
        spec        jsonb,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX assignments_by_provider ON assignments (provider_id, seq)');
    // Reports already applied, per attempt and kind: a re-sent report is acknowledged, not re-applied.
    await queryRunner.query(`
      CREATE TABLE attempt_reports (
        job_id      text        NOT NULL,
        attempt     integer     NOT NULL,
        kind        text        NOT NULL CHECK (kind IN ('STARTED', 'COMPLETED', 'FAILED')),
        provider_id text        NOT NULL,
        reported_at timestamptz NOT NULL,
        PRIMARY KEY (job_id, attempt, kind)
      )`);
    await queryRunner.query(`
      CREATE TABLE usage_reports (
        report_id   text    PRIMARY KEY,
        job_id      text    NOT NULL,
        attempt     integer NOT NULL,
        provider_id text    NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['usage_reports', 'attempt_reports', 'assignments', 'jobs', 'provider_capacity', 'providers']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
