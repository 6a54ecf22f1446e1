// `switchyard usage`, `balance` and `statements` against real metering and payout processes that
// meter and post the usage reports of a generated workload (PostgreSQL log).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startServiceProcess, type ServiceProcess } from '@switchyard/service-host/testing';
import { databaseUrl } from '@switchyard/testing';
import { credentials, Metadata } from '@grpc/grpc-js';
import { api } from '@switchyard/contracts';
import pg from 'pg';
import { repoRoot, runSwitchyard } from './cli-process.js';
import { seedLog, type SeededLog } from './seeded-log.js';

const ADMIN_KEY = `sk_admin_${randomBytes(16).toString('hex')}`;

describe('switchyard usage, balance and statements against metering and payout (PostgreSQL log)', () => {
  let seeded: SeededLog;
  let metering: ServiceProcess;
  let payout: ServiceProcess;
  const schema = `cli_metering_${randomBytes(5).toString('hex')}`;
  const payoutSchema = `cli_payout_${randomBytes(5).toString('hex')}`;
  const adminHash = createHash('sha256').update(ADMIN_KEY, 'utf8').digest('hex');

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
    payout = await startServiceProcess({
      cwd: join(repoRoot, 'services/payout'),
      env: {
        DATABASE_URL: databaseUrl(),
        DATABASE_SCHEMA: payoutSchema,
        EVENT_LOG_BACKEND: 'postgres',
        EVENT_LOG_DATABASE_URL: seeded.schema!.url,
        SWITCHYARD_TOPIC_PREFIX: seeded.prefix,
        ADMIN_API_KEY_SHA256: adminHash,
        KAFKA_BROKERS: '',
      },
      startTimeoutMs: 120_000,
    });
  }, 300_000);

  afterAll(async () => {
    await metering?.stop();
    await payout?.stop();
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS "${payoutSchema}" CASCADE`);
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
      lines =
        run.stdout.trim() === ''
          ? []
          : run.stdout
              .trim()
              .split('\n')
              .map((l) => JSON.parse(l) as { jobId: string; priceBaseUnits: string });
      if (lines.length < reports) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(lines).toHaveLength(reports);
    const text = await runSwitchyard(['usage'], env);
    const total = lines.reduce((sum, l) => sum + BigInt(l.priceBaseUnits), 0n);
    expect(text.stdout).toContain(`${reports} line(s), total `);
    expect(text.stdout).toContain(` tokens (${total} base units)\n`);

    const anonymous = await runSwitchyard(['usage'], { SWITCHYARD_METERING_ENDPOINT: metering.address });
    expect(anonymous.code).toBe(6);
    expect(anonymous.stderr.trim().split('\n')).toHaveLength(1);
  }, 300_000);

  it('shows ledger balances, and the statements of a closed epoch', async () => {
    const env = { SWITCHYARD_PAYOUT_ENDPOINT: payout.address, SWITCHYARD_API_KEY: ADMIN_KEY };
    const client = new api.PayoutServiceClient(payout.address, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${ADMIN_KEY}`);
    const providers = [...new Set(seeded.workload.providers.filter((e) => e.type.endsWith('.ProviderRegistered')).map((e) => e.subject))];
    const accounts = [
      ...['acme', 'globex', 'initech', 'umbrella'].map((t) => `tenant:${t}`),
      ...providers.map((p) => `provider:${p}`),
      'protocol:fees',
      'payouts:paid',
    ];
    const balanceOf = (accountId: string) =>
      new Promise<bigint>((resolve, reject) =>
        client.getBalance({ accountId }, metadata, (e, r) => (e ? reject(e) : resolve(BigInt(r.balanceBaseUnits || '0')))),
      );
    // Wait until payout has posted every metered line: the tenants' spend stops moving.
    let previous: bigint | undefined;
    let spend = 0n;
    for (let i = 0; i < 60; i++) {
      spend = 0n;
      for (const tenant of accounts.slice(0, 4)) spend += await balanceOf(tenant);
      if (spend !== 0n && spend === previous) break;
      previous = spend;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(spend < 0n).toBe(true);

    // Through the CLI: every account's balance; double entry means they sum to zero.
    let sum = 0n;
    for (const accountId of accounts) {
      const run = await runSwitchyard(['--json', 'balance', accountId], env);
      expect(run.code).toBe(0);
      sum += BigInt((JSON.parse(run.stdout) as { balanceBaseUnits?: string }).balanceBaseUnits ?? '0');
    }
    expect(sum).toBe(0n);
    const text = await runSwitchyard(['balance', 'tenant:acme'], env);
    expect(text.stdout).toMatch(/^tenant:acme {2}-[\d,.]+ tokens? \(-\d+ base units\) {2}as of /);

    // Close an epoch (an admin call the CLI does not offer) so there are statements to list.
    const closed = await new Promise<api.CloseEpochResponse>((resolve, reject) =>
      client.closeEpoch(
        { cutoff: { seconds: String(Math.floor(Date.now() / 1000) - 5), nanos: 0 }, idempotencyKey: 'cli-test-epoch' },
        metadata,
        (e, r) => (e ? reject(e) : resolve(r)),
      ),
    );
    client.close();
    expect(closed.payouts.length).toBeGreaterThan(0);

    for (const paid of closed.payouts.slice(0, 2)) {
      const listed = await runSwitchyard(['--json', 'statements', paid.providerId], env);
      expect(listed.code).toBe(0);
      const statements = listed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { statementId: string; epochId: string; amountBaseUnits: string });
      expect(statements).toEqual([
        expect.objectContaining({ statementId: paid.statementId, epochId: closed.epochId, amountBaseUnits: paid.amountBaseUnits }),
      ]);
    }

    const badAccount = await runSwitchyard(['balance', 'nobody'], env);
    expect(badAccount.code).toBe(2);
    expect(badAccount.stderr).toMatch(/^switchyard: .*account_id.*\n$/);
  }, 300_000);
});
