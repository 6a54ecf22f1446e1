// PostgreSQL CLIENT spans in a real process against a real database: a query inside a span is a
// child span with the database attributes and its statement (never its parameters); a query
// outside any span (the relay's idle polling) makes none.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { databaseUrl } from '@switchyard/testing';

const child = fileURLToPath(new URL('./children/pg-spans.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('PostgreSQL spans', () => {
  it('records queries inside a span as its CLIENT children, without parameters, and nothing outside', () => {
    const run = spawnSync(process.execPath, ['--conditions=@switchyard/source', '--import', '@swc-node/register/esm-register', child], {
      cwd: packageDir,
      env: { ...process.env, DATABASE_URL: databaseUrl(), SWC_NODE_PROJECT: 'tsconfig.json' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    const spans = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      name: string;
      kind: number;
      traceId: string;
      parent?: string;
      id: string;
      attributes: Record<string, unknown>;
    }[];
    const parent = spans.find((span) => span.name === 'apply JobPlaced')!;
    const queries = spans.filter((span) => span.kind === 2 && span.name.startsWith('pg.query'));
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatchObject({
      traceId: parent.traceId,
      parent: parent.id,
      attributes: expect.objectContaining({ 'db.system.name': 'postgresql', 'db.query.text': 'SELECT $1::text AS inside' }),
    });
    expect(JSON.stringify(spans)).not.toContain('secret-value');
    expect(JSON.stringify(spans)).not.toContain('outside_any_span');
  }, 60_000);
});
