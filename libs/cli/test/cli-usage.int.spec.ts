// `switchyard usage` against a real metering process that meters the usage reports of a
// generated workload (PostgreSQL log): lines and total, and the admin/anonymous exit codes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startServiceProcess, type ServiceProcess } from '@switchyard/service-host/testing';
import { databaseUrl } from '@switchyard/testing';
import pg from 'pg';
import { repoRoot, runSwitchyard } from './cli-process.js';
import { seedLog, type SeededLog } from './seeded-log.js';

const ADMIN_KEY = `sk_admin_${randomBytes(16).toString('hex')}`;

describe('switchyard usage against metering (PostgreSQL log)', () => {
  let seeded: SeededLog;
  let metering: ServiceProcess;
  const schema = `cli_metering_${randomBytes(5).toString('hex')}`;

  beforeAll(async () => {
    seeded = await seedLog('postgres', 80);
    metering = await startServiceProcess({
      cwd: join(repoRoot, 'services/metering'),
      env: {
        DATABASE_URL: databaseUrl(),
        DATABASE_SCHEMA: schema,
        EVENT_LOG_BACKEND: 'postgres',
        EVENT_LOG_DATABASE_URL: seeded.schema!.url,
        SWITCHYARD_TOPIC_PREFIX: seeded.prefix,
        ADMIN_API_KEY_SHA256: createHash('sha256').update(ADMIN_KEY, 'utf8').digest('hex'),
        KAFKA_BROKERS: '',
      },
      startTimeoutMs: 120_000,
    });
  }, 240_000);

  afterAll(async () => {
    await metering?.stop();
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    await seeded?.close();
  }, 60_000);

  it('lists the metered usage lines with their total, following pages', async () => {
    const env = { SWITCHYARD_METERING_ENDPOINT: metering.address, SWITCHYARD_API_KEY: ADMIN_KEY };
    const reports = seeded.workload.usage.length;
    let lines: { jobId: string; priceBaseUnits: string }[] = [];
    for (let i = 0; i < 30 && lines.length < reports; i++) {
      const run = await runSwitchyard(['--json', 'usage', '--page-size', '7'], env);
      expect(run.code).toBe(0);
      lines = run.stdout.trim() === '' ? [] : run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { jobId: string; priceBaseUnits: string });
      if (lines.length < reports) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(lines).toHaveLength(reports);
    const text = await runSwitchyard(['usage'], env);
    const total = lines.reduce((sum, l) => sum + BigInt(l.priceBaseUnits), 0n);
    expect(text.stdout).toContain(`${reports} line(s), total ${total} base units`);

    const anonymous = await runSwitchyard(['usage'], { SWITCHYARD_METERING_ENDPOINT: metering.address });
    expect(anonymous.code).toBe(6);
    expect(anonymous.stderr.trim().split('\n')).toHaveLength(1);
  }, 300_000);
});
