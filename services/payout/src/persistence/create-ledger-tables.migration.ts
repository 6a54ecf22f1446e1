// The ledger's tables. The database, not the service, holds the ledger's invariants:
// - postings and entries are append-only (a trigger rejects UPDATE, DELETE and TRUNCATE);
// - one posting per source id (UNIQUE): a redelivered UsageMetered cannot post twice;
// - every posting's entries sum to zero, checked at commit by a deferred constraint trigger;
// - a usage id or penalty id is settled by at most one payout (primary key of payout_settlements).
// Balances are sums of entries (indexed by account), so they cannot drift from the postings.
import type { MigrationInterface, QueryRunner } from 'typeorm';

const APPEND_ONLY = [
  'ledger_postings',
  'ledger_entries',
  'ledger_usage',
  'ledger_penalties',
  'payout_epochs',
  'payouts',
  'payout_settlements',
];

export class CreateLedgerTables1764200000000 implements MigrationInterface {
  name = 'CreateLedgerTables1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of STATEMENTS) await queryRunner.query(statement);
    for (const table of APPEND_ONLY) {
      await queryRunner.query(
        `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ledger_reject_change()`,
      );
      await queryRunner.query(
        `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'DROP TABLE payout_settlements, payouts, payout_epochs, ledger_penalties, ledger_usage, ledger_entries, ledger_postings, payout_jobs, payout_provider_operators CASCADE',
    );
    await queryRunner.query(
      'DROP FUNCTION ledger_reject_change(), ledger_check_posting_balanced(), ledger_check_reversal(), ledger_check_settlement()',
    );
  }
}

const STATEMENTS = [
  `CREATE FUNCTION ledger_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION 'the ledger is append-only: % on % is not allowed; post a reversal instead', TG_OP, TG_TABLE_NAME
       USING ERRCODE = 'restrict_violation';
   END $$`,
  `CREATE TABLE ledger_postings (
     posting_id         text        PRIMARY KEY,
     source_id          text        NOT NULL CONSTRAINT ledger_postings_source_id_key UNIQUE,
     kind               text        NOT NULL CHECK (kind IN ('USAGE', 'PENALTY', 'PAYOUT', 'REVERSAL')),
     reverses_posting_id text       UNIQUE REFERENCES ledger_postings (posting_id),
     recorded_at        timestamptz NOT NULL,
     -- ce_id of the event (or id of the command) that caused it, to trace it back through the log.
     cause_id           text        NOT NULL,
     CHECK ((kind = 'REVERSAL') = (reverses_posting_id IS NOT NULL))
   )`,
  `CREATE TABLE ledger_entries (
     posting_id text   NOT NULL REFERENCES ledger_postings (posting_id),
     line       int    NOT NULL,
     account_id text   NOT NULL CHECK (account_id ~ '^(tenant:.+|provider:.+|protocol:fees|payouts:paid)$'),
     amount     bigint NOT NULL,
     PRIMARY KEY (posting_id, line)
   )`,
  'CREATE INDEX ledger_entries_account ON ledger_entries (account_id) INCLUDE (amount)',
  // Runs at commit (deferred), once per inserted entry row and once per posting: by then all of a
  // posting's entries are in, so a posting missing an entry or off by one base unit aborts the
  // whole transaction, inbox row and outbox rows included.
  `CREATE FUNCTION ledger_check_posting_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE total numeric; lines int;
   BEGIN
     SELECT coalesce(sum(amount), 0), count(*) INTO total, lines FROM ledger_entries WHERE posting_id = NEW.posting_id;
     IF total <> 0 OR lines < 2 THEN
       RAISE EXCEPTION 'posting % is unbalanced: % entries summing to %', NEW.posting_id, lines, total USING ERRCODE = 'check_violation';
     END IF;
     RETURN NULL;
   END $$`,
  `CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_posting_balanced()`,
  `CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_posting_balanced()`,
  // The metered usage behind each USAGE posting: the statement's source and the job -> attempt ->
  // report chain for tracing a payout back to its jobs.
  `CREATE TABLE ledger_usage (
     usage_id        text        PRIMARY KEY,
     posting_id      text        NOT NULL UNIQUE REFERENCES ledger_postings (posting_id),
     event_id        text        NOT NULL,
     job_id          text        NOT NULL,
     attempt         int         NOT NULL,
     report_id       text        NOT NULL,
     tenant_id       text        NOT NULL,
     provider_id     text        NOT NULL,
     tier            text        NOT NULL,
     gpu_class       text        NOT NULL,
     rate_card_version text      NOT NULL,
     charge          bigint      NOT NULL CHECK (charge >= 0),
     earning         bigint      NOT NULL CHECK (earning >= 0),
     fee             bigint      NOT NULL CHECK (fee >= 0),
     metered_at      timestamptz NOT NULL,
     CHECK (charge = earning + fee)
   )`,
  'CREATE INDEX ledger_usage_provider ON ledger_usage (provider_id, metered_at)',
  'CREATE INDEX ledger_usage_tenant ON ledger_usage (tenant_id, metered_at)',
  'CREATE INDEX ledger_usage_job ON ledger_usage (job_id)',
  `CREATE TABLE ledger_penalties (
     penalty_id           text        PRIMARY KEY,
     posting_id           text        NOT NULL UNIQUE REFERENCES ledger_postings (posting_id),
     provider_id          text        NOT NULL,
     tenant_id            text,
     job_id               text        NOT NULL,
     attempt              int         NOT NULL,
     amount               bigint      NOT NULL CHECK (amount > 0),
     reason               text        NOT NULL,
     justifying_event_ids text[]      NOT NULL CHECK (cardinality(justifying_event_ids) > 0),
     policy_version       text        NOT NULL,
     assessed_at          timestamptz NOT NULL
   )`,
  `CREATE TABLE payout_epochs (
     epoch_id        text        PRIMARY KEY,
     seq             int         NOT NULL UNIQUE,
     cutoff          timestamptz NOT NULL,
     closed_at       timestamptz NOT NULL,
     idempotency_key text        UNIQUE,
     payout_count    int         NOT NULL,
     total           bigint      NOT NULL
   )`,
  `CREATE TABLE payouts (
     payout_id    text        PRIMARY KEY,
     epoch_id     text        NOT NULL REFERENCES payout_epochs (epoch_id),
     provider_id  text        NOT NULL,
     statement_id text        NOT NULL UNIQUE,
     posting_id   text        NOT NULL UNIQUE REFERENCES ledger_postings (posting_id),
     amount       bigint      NOT NULL CHECK (amount > 0),
     earnings     bigint      NOT NULL,
     penalties    bigint      NOT NULL,
     issued_at    timestamptz NOT NULL,
     UNIQUE (epoch_id, provider_id),
     CHECK (amount = earnings - penalties)
   )`,
  'CREATE INDEX payouts_provider ON payouts (provider_id, issued_at, payout_id)',
  // One row per usage id or penalty id a payout settles: the primary key is "nothing paid twice".
  `CREATE TABLE payout_settlements (
     item_id   text NOT NULL PRIMARY KEY,
     item_kind text NOT NULL CHECK (item_kind IN ('usage', 'penalty')),
     payout_id text NOT NULL REFERENCES payouts (payout_id)
   )`,
  'CREATE INDEX payout_settlements_payout ON payout_settlements (payout_id)',
  // A correction never rewrites a closed statement: an item a payout settled cannot be reversed,
  // and a reversed item cannot be settled.
  `CREATE FUNCTION ledger_check_reversal() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF EXISTS (SELECT 1 FROM ledger_postings p JOIN payout_settlements s ON s.item_id = p.source_id
                WHERE p.posting_id = NEW.reverses_posting_id) THEN
       RAISE EXCEPTION 'posting % is settled by a payout and cannot be reversed', NEW.reverses_posting_id USING ERRCODE = 'restrict_violation';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER ledger_postings_reversal BEFORE INSERT ON ledger_postings
     FOR EACH ROW WHEN (NEW.kind = 'REVERSAL') EXECUTE FUNCTION ledger_check_reversal()`,
  `CREATE FUNCTION ledger_check_settlement() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF EXISTS (SELECT 1 FROM ledger_postings p JOIN ledger_postings r ON r.reverses_posting_id = p.posting_id
                WHERE p.source_id = NEW.item_id) THEN
       RAISE EXCEPTION '% is reversed and cannot be paid', NEW.item_id USING ERRCODE = 'restrict_violation';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER payout_settlements_not_reversed BEFORE INSERT ON payout_settlements
     FOR EACH ROW EXECUTE FUNCTION ledger_check_settlement()`,
  // Working state folded from the jobs topic (not part of the ledger: rows change as a job moves).
  `CREATE TABLE payout_jobs (
     job_id           text        PRIMARY KEY,
     tenant_id        text,
     tier             text        NOT NULL DEFAULT 'TIER_UNSPECIFIED',
     max_latency_ms   int         NOT NULL DEFAULT 0,
     deadline         timestamptz,
     provider_id      text,
     attempt          int         NOT NULL DEFAULT 0,
     placed_event_id  text,
     started_at       timestamptz
   )`,
  // Which operator runs a provider (from JobPlaced): an operator's credential reads its providers' accounts.
  `CREATE TABLE payout_provider_operators (
     provider_id text PRIMARY KEY,
     operator_id text NOT NULL
   )`,
];
