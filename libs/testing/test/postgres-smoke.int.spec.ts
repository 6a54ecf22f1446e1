// Proves the PostgreSQL path every service uses: a TypeORM data source whose tables come from
// migrations (never `synchronize`) applied to a fresh schema, and a round trip through an entity.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Column, DataSource, Entity, PrimaryColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { createTestSchema, type TestSchema } from '../src/index.js';

@Entity({ name: 'smoke_balance' })
class SmokeBalance {
  @PrimaryColumn({ type: 'text' })
  account!: string;

  // Money is an integer number of base units; bigint comes back from pg as a string.
  @Column({ type: 'bigint', name: 'amount_base_units' })
  amountBaseUnits!: string;
}

class CreateSmokeBalance1700000000000 implements MigrationInterface {
  name = 'CreateSmokeBalance1700000000000';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE TABLE smoke_balance (account text PRIMARY KEY, amount_base_units bigint NOT NULL CHECK (amount_base_units >= 0))`,
    );
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE smoke_balance`);
  }
}

let schema: TestSchema;
let dataSource: DataSource;

beforeAll(async () => {
  schema = await createTestSchema('smoke');
  dataSource = new DataSource({
    type: 'postgres',
    url: schema.url,
    schema: schema.name,
    entities: [SmokeBalance],
    migrations: [CreateSmokeBalance1700000000000],
    synchronize: false,
    logging: false,
  });
  await dataSource.initialize();
});

afterAll(async () => {
  await dataSource?.destroy();
  await schema?.drop();
});

describe('PostgreSQL smoke (real server)', () => {
  it('applies migrations to a fresh schema, once', async () => {
    const applied = await dataSource.runMigrations();
    expect(applied.map((m) => m.name)).toEqual(['CreateSmokeBalance1700000000000']);
    expect(await dataSource.runMigrations()).toEqual([]);
    const tables = await dataSource.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [
      schema.name,
    ]);
    expect(tables.map((t: { table_name: string }) => t.table_name)).toEqual(['migrations', 'smoke_balance']);
  });

  it('round-trips an entity with a bigint beyond 2^53 exactly', async () => {
    const repo = dataSource.getRepository(SmokeBalance);
    const big = (2n ** 60n + 7n).toString();
    await repo.save(repo.create({ account: 'provider:p-1', amountBaseUnits: big }));
    const loaded = await repo.findOneByOrFail({ account: 'provider:p-1' });
    expect(loaded.amountBaseUnits).toBe(big);
    await expect(repo.save(repo.create({ account: 'provider:p-2', amountBaseUnits: '-1' }))).rejects.toThrow(/check constraint/);
  });
});
