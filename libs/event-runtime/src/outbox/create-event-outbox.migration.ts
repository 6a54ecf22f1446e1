// The outbox table and its insert notification, as a migration each service adds to its DataSource.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateEventOutbox1764000000001 implements MigrationInterface {
  name = 'CreateEventOutbox1764000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    // `json`, not `jsonb`: the envelope is published exactly as the handler wrote it (key order kept).
    await queryRunner.query(`
      CREATE TABLE event_outbox (
        id         bigserial   PRIMARY KEY,
        topic      text        NOT NULL,
        event_id   text        NOT NULL,
        envelope   json        NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // NOTIFY is delivered at commit and never for a rolled-back transaction. The channel carries
    // the table's oid so relays of different schemas in one database do not wake each other.
    await queryRunner.query(`
      CREATE FUNCTION event_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('event_outbox_' || TG_RELID::text, '');
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER event_outbox_notify AFTER INSERT ON event_outbox
      FOR EACH STATEMENT EXECUTE FUNCTION event_outbox_notify()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE event_outbox');
    await queryRunner.query('DROP FUNCTION event_outbox_notify()');
  }
}
