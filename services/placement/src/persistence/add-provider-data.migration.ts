// What a provider holds of job inputs (content digests), its ingress bandwidth and its transfer
// price per GB: the locality terms' inputs, kept across a change of leader.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddProviderData1765000000000 implements MigrationInterface {
  name = 'AddProviderData1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE providers ADD COLUMN ingress_mbps integer NOT NULL DEFAULT 0,
                             ADD COLUMN transfer_price_per_gb_base_units bigint NOT NULL DEFAULT 0,
                             ADD COLUMN held_digests text[] NOT NULL DEFAULT '{}'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE providers DROP COLUMN ingress_mbps, DROP COLUMN transfer_price_per_gb_base_units, DROP COLUMN held_digests',
    );
  }
}
