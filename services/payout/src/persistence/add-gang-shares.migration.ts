// Gangs split over providers: one usage (the lead reports for the whole gang) credits every member
// its share, so each member's share is an item an epoch settles for that member.
// - payout_jobs.gang_members: each gang attempt's members from its JobPlaced, by attempt number
//   (`{"2": [{"providerId": "p-1", "gpuCount": 4}, ...]}`), so a usage of an earlier attempt
//   metered after a requeue still finds its own gang; single-provider attempts are not listed.
// - payout_settlements is keyed by (item id, provider): "nothing is paid twice" now holds per
//   member's share. Settlements so far take the provider of the payout that settled them.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddGangShares1765000000003 implements MigrationInterface {
  name = 'AddGangShares1765000000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE payout_jobs ADD COLUMN gang_members jsonb NOT NULL DEFAULT '{}'::jsonb");
    await queryRunner.query('ALTER TABLE payout_settlements ADD COLUMN provider_id text');
    // The backfill is the only change the append-only table ever takes, in this migration's transaction.
    await queryRunner.query('ALTER TABLE payout_settlements DISABLE TRIGGER payout_settlements_append_only');
    await queryRunner.query('UPDATE payout_settlements s SET provider_id = p.provider_id FROM payouts p WHERE p.payout_id = s.payout_id');
    await queryRunner.query('ALTER TABLE payout_settlements ENABLE TRIGGER payout_settlements_append_only');
    await queryRunner.query('ALTER TABLE payout_settlements ALTER COLUMN provider_id SET NOT NULL');
    await queryRunner.query(
      'ALTER TABLE payout_settlements DROP CONSTRAINT payout_settlements_pkey, ADD PRIMARY KEY (item_id, provider_id)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE payout_settlements DROP CONSTRAINT payout_settlements_pkey, ADD PRIMARY KEY (item_id)');
    await queryRunner.query('ALTER TABLE payout_settlements DROP COLUMN provider_id');
    await queryRunner.query('ALTER TABLE payout_jobs DROP COLUMN gang_members');
  }
}
