// Metering's tables. All are projections of the log (jobs and usage topics) and can be rebuilt by
// replaying it into an empty schema.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateMeteringTables1764200000000 implements MigrationInterface {
  name = 'CreateMeteringTables1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // What metering needs to know of a job to price its usage; filled from JobSubmitted and
    // JobClassified, which may arrive in either order relative to the job's usage reports.
    await queryRunner.query(`
      CREATE TABLE metering_jobs (
        job_id        text PRIMARY KEY,
        tenant_id     text,
        gpu_class     text,
        tier          text,
        submitted_at  timestamptz,
        classified_at timestamptz
      )`);
    // Which operator runs a provider (from JobPlaced), so an operator's key can read its providers' earnings.
    await queryRunner.query(`
      CREATE TABLE metering_provider_operators (
        provider_id text PRIMARY KEY,
        operator_id text NOT NULL
      )`);
    // One priced usage report. report_id UNIQUE is the dedupe of re-sent reports (another event
    // id, same report); amounts are uint64 (numeric), money is int64 (bigint).
    await queryRunner.query(`
      CREATE TABLE usage_lines (
        usage_id          text        PRIMARY KEY,
        report_id         text        NOT NULL,
        job_id            text        NOT NULL,
        attempt           integer     NOT NULL,
        tenant_id         text        NOT NULL,
        provider_id       text        NOT NULL,
        tier              text        NOT NULL,
        gpu_class         text        NOT NULL,
        rate_card_version text        NOT NULL,
        gpu_milliseconds  numeric(20) NOT NULL,
        tokens            numeric(20) NOT NULL,
        bytes             numeric(20) NOT NULL,
        tenant_charge     bigint      NOT NULL,
        provider_earning  bigint      NOT NULL,
        protocol_fee      bigint      NOT NULL,
        reported_at       timestamptz NOT NULL,
        metered_at        timestamptz NOT NULL,
        source_event_id   text        NOT NULL,
        CONSTRAINT usage_lines_report_id_key UNIQUE (report_id),
        CONSTRAINT usage_lines_split CHECK (tenant_charge = provider_earning + protocol_fee AND protocol_fee >= 0 AND provider_earning >= 0)
      )`);
    await queryRunner.query('CREATE INDEX usage_lines_tenant_window ON usage_lines (tenant_id, metered_at, usage_id)');
    await queryRunner.query('CREATE INDEX usage_lines_provider_window ON usage_lines (provider_id, metered_at, usage_id)');
    await queryRunner.query('CREATE INDEX usage_lines_window ON usage_lines (metered_at, usage_id)');
    // Reports that arrived before their job's tenant, tier and GPU class were known, or that
    // could not be priced yet (last_error says why). Metered and deleted when the job is known.
    await queryRunner.query(`
      CREATE TABLE pending_usage_reports (
        report_id   text        PRIMARY KEY,
        job_id      text        NOT NULL,
        report      json        NOT NULL,
        event_id    text        NOT NULL,
        traceparent text,
        received_at timestamptz NOT NULL,
        last_error  text
      )`);
    await queryRunner.query('CREATE INDEX pending_usage_reports_job ON pending_usage_reports (job_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE pending_usage_reports');
    await queryRunner.query('DROP TABLE usage_lines');
    await queryRunner.query('DROP TABLE metering_provider_operators');
    await queryRunner.query('DROP TABLE metering_jobs');
  }
}
