// Plain SQL through TypeORM's EntityManager: the tables are small and the statements carry the
// invariants (row locks, conditional updates), which read better as SQL than as a query builder.
import type { EntityManager } from 'typeorm';

/** Rows of a statement, and how many rows it affected (UPDATE/DELETE/INSERT). */
export async function run<T>(manager: EntityManager, sql: string, params: readonly unknown[] = []): Promise<{ rows: T[]; count: number }> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, [...params], true);
    return { rows: (result.records ?? []) as T[], count: result.affected ?? 0 };
  } finally {
    if (runner !== manager.queryRunner) await runner.release();
  }
}

export async function rows<T>(manager: EntityManager, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  return (await run<T>(manager, sql, params)).rows;
}
