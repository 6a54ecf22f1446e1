// PayoutService takes the time of a call (a balance's as-of, an epoch close's now) from the clock
// it is given, not from the wall. The service runs in this process (startPayout on real
// PostgreSQL, the PostgreSQL event log, the fixture's credentials files) so the test can hand it a
// test clock. The clock is set to instants the wall is past.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status, type ServiceError } from '@grpc/grpc-js';
import { credentials } from '@grpc/grpc-js';
import { api, dateOf } from '@switchyard/contracts';
import type { RunningEventService } from '@switchyard/service-host';
import { fixedClock } from '@switchyard/testing';
import { payoutConfigFromEnv } from '../src/config.js';
import { startPayout } from '../src/payout.js';
import { KEYS, payoutApi, payoutFixture, timestamp, type PayoutFixture } from './support/payout-fixture.js';

const NOW = '2026-11-20T12:00:00.250Z';

describe('PayoutService on a test clock', () => {
  const clock = fixedClock(NOW);
  let fx: PayoutFixture;
  let service: RunningEventService;
  let client: InstanceType<typeof api.PayoutServiceClient>;
  let payout: ReturnType<typeof payoutApi>;

  beforeAll(async () => {
    fx = await payoutFixture({ backend: 'postgres' });
    const config = payoutConfigFromEnv({ ...fx.env, GRPC_URL: '127.0.0.1:0' });
    service = await startPayout(config, { handleSignals: false, clock });
    client = new api.PayoutServiceClient(service.address, credentials.createInsecure());
    payout = payoutApi(client);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await service?.close();
    await fx?.close();
  }, 30_000);

  it("answers a balance as of the clock's instant", async () => {
    clock.set(NOW);
    const balance = await payout.getBalance({ accountId: 'tenant:acme' }, KEYS.acme);
    expect(balance).toMatchObject({ accountId: 'tenant:acme', balanceBaseUnits: '0' });
    expect(dateOf(balance.asOf)?.toISOString()).toBe(NOW);

    clock.advance(60_000);
    expect(dateOf((await payout.getBalance({ accountId: 'tenant:acme' }, KEYS.acme)).asOf)?.toISOString()).toBe('2026-11-20T12:01:00.250Z');
  });

  it("closes an epoch at the clock's instant: a cutoff past it is in the future, and no cutoff means the clock's now", async () => {
    clock.set(NOW);
    // 1 ms past the clock, long past on the wall: refused only because the clock says so.
    const future = await payout
      .closeEpoch({ cutoff: timestamp(new Date(Date.parse(NOW) + 1)), idempotencyKey: 'clock-future' }, KEYS.admin)
      .then(
        () => undefined,
        (error: unknown) => error as ServiceError,
      );
    expect(future?.code).toBe(status.INVALID_ARGUMENT);
    expect(future?.details).toContain('is in the future');

    const closed = await payout.closeEpoch({ cutoff: undefined, idempotencyKey: 'clock-close' }, KEYS.admin);
    const { rows } = await fx.db.query<{ cutoff: Date; closed_at: Date }>(
      'SELECT cutoff, closed_at FROM payout_epochs WHERE epoch_id = $1',
      [closed.epochId],
    );
    expect(rows.map((row) => [row.cutoff.toISOString(), row.closed_at.toISOString()])).toEqual([[NOW, NOW]]);
  });
});
