// The ledger's totals by account type on every metrics collection (names in
// @switchyard/telemetry's switchyardMetrics). Double entry: the four totals sum to zero.
// The sum reads every entry through the (account_id) INCLUDE (amount) index, so its cost grows
// with the ledger; at one collection a minute (the OTLP default, or a 60 s scrape) that is
// acceptable well past a million postings, and running totals kept by the postings would make it
// constant.
import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { observeGauge, switchyardMetrics, SWITCHYARD_ATTRIBUTES, type ObservedGauge } from '@switchyard/telemetry';
import { DataSource } from 'typeorm';

const ACCOUNT_TYPES = ['tenant', 'provider', 'protocol', 'payouts'] as const;

@Injectable()
export class LedgerMetrics implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private gauge: ObservedGauge | undefined;

  constructor(private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    this.gauge = observeGauge(switchyardMetrics.LEDGER_BALANCE, async () => {
      const rows: { type: string; total: string }[] = await this.dataSource.query(
        `SELECT split_part(account_id, ':', 1) AS type, coalesce(sum(amount), 0)::text AS total FROM ledger_entries GROUP BY 1`,
      );
      const totals = new Map(rows.map((row) => [row.type, Number(row.total)]));
      // Every type on every collection, 0 when it has no entries yet.
      return ACCOUNT_TYPES.map((type) => ({ value: totals.get(type) ?? 0, attributes: { [SWITCHYARD_ATTRIBUTES.accountType]: type } }));
    });
  }

  /** Before the database closes (PayoutResources closes it on shutdown). */
  beforeApplicationShutdown(): void {
    this.gauge?.remove();
  }
}
