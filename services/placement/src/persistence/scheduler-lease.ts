// One active scheduler at a time: a lease row in the service's schema. The leader renews it in
// every cycle's transaction with an UPDATE that also checks its epoch, so a deposed leader (one
// whose lease expired and was taken) cannot commit a cycle: its UPDATE matches no row and the
// cycle rolls back. The UPDATE holds the row's lock until commit, so a takeover waits for a cycle
// in flight to finish, and the new leader loads its state after the old leader's last commit.
import type pg from 'pg';

export interface LeaseHolder {
  readonly holder: string;
  readonly address: string;
  readonly epoch: string;
  readonly expired: boolean;
}

const LEASE = 'placement';

export class SchedulerLease {
  constructor(
    readonly holder: string,
    private readonly address: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes the lease if it is free or expired; returns the new epoch, or undefined. */
  async tryAcquire(client: pg.ClientBase): Promise<string | undefined> {
    const { rows } = await client.query<{ epoch: string }>(
      `UPDATE scheduler_lease SET holder = $2, address = $3, epoch = epoch + 1,
              expires_at = now() + make_interval(secs => $4::double precision / 1000)
        WHERE name = $1 AND (holder IS NULL OR expires_at < now())
        RETURNING epoch::text`,
      [LEASE, this.holder, this.address, this.ttlMs],
    );
    return rows[0]?.epoch;
  }

  /** In a cycle's transaction: renews the lease if this holder still has it at `epoch`; false = deposed. */
  async fence(client: pg.ClientBase, epoch: string): Promise<boolean> {
    const { rowCount } = await client.query(
      `UPDATE scheduler_lease SET expires_at = now() + make_interval(secs => $4::double precision / 1000)
        WHERE name = $1 AND holder = $2 AND epoch = $3::bigint`,
      [LEASE, this.holder, epoch, this.ttlMs],
    );
    return rowCount === 1;
  }

  /** Gives the lease up at once (a clean shutdown), so a standby need not wait for it to expire. */
  async release(client: pg.ClientBase, epoch: string): Promise<void> {
    await client.query(
      `UPDATE scheduler_lease SET holder = NULL, expires_at = '-infinity' WHERE name = $1 AND holder = $2 AND epoch = $3::bigint`,
      [LEASE, this.holder, epoch],
    );
  }

  async current(client: pg.ClientBase): Promise<LeaseHolder | undefined> {
    const { rows } = await client.query<{ holder: string | null; address: string | null; epoch: string; expired: boolean }>(
      'SELECT holder, address, epoch::text, expires_at < now() AS expired FROM scheduler_lease WHERE name = $1',
      [LEASE],
    );
    const row = rows[0];
    if (row === undefined || row.holder === null || row.address === null) return undefined;
    return { holder: row.holder, address: row.address, epoch: row.epoch, expired: row.expired };
  }
}
