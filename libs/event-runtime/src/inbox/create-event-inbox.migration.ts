// The inbox table, as a migration each service adds to its own DataSource (never synchronize).
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateEventInbox1764000000000 implements MigrationInterface {
  name = 'CreateEventInbox1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Keyed by event id, not offset: the same event re-driven from a DLT or appended twice by a
    // relay that crashed after publishing has a new offset but the same ce_id.
    await queryRunner.query(`
      CREATE TABLE event_inbox (
        consumer_group text        NOT NULL,
        event_id       text        NOT NULL,
        event_type     text        NOT NULL,
        topic          text        NOT NULL,
        partition      integer     NOT NULL,
        "offset"       bigint      NOT NULL,
        applied_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT event_inbox_pkey PRIMARY KEY (consumer_group, event_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE event_inbox');
  }
}
