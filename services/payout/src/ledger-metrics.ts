// The ledger's totals by account type on every metrics collection (names in
// @switchyard/telemetry's switchyardMetrics). Double entry: the four totals sum to zero. Read from
// the running balances (one row per account), not the entries, so a collection does not grow
// with the ledger.
import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { observeGauge, switchyardMetrics, SWITCHYARD_ATTRIBUTES, type ObservedGauge } from '@switchyard/telemetry';
import { DataSource } from 'typeorm';
import { totalsByAccountType } from './persistence/ledger-store.js';

const ACCOUNT_TYPES = ['tenant', 'provider', 'protocol', 'payouts'] as const;

@Injectable()
export class LedgerMetrics implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private gauge: ObservedGauge | undefined;

  constructor(private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    this.gauge = observeGauge(switchyardMetrics.LEDGER_BALANCE, async () => {
      const totals = await totalsByAccountType(this.dataSource.manager);
      // Every type on every collection, 0 when it has no entries yet.
      return ACCOUNT_TYPES.map((type) => ({
        value: Number(totals.get(type) ?? 0n),
        attributes: { [SWITCHYARD_ATTRIBUTES.accountType]: type },
      }));
    });
  }

  /** Before the database closes (PayoutResources closes it on shutdown). */
  beforeApplicationShutdown(): void {
    this.gauge?.remove();
  }
}
