// Physical names of the topics payout reads and writes, under the configured prefix.
import { Inject, Injectable } from '@nestjs/common';
import { topicNames } from '@switchyard/contracts';
import type { PayoutConfig } from './config.js';
import { PAYOUT_CONFIG } from './tokens.js';

@Injectable()
export class LedgerTopics {
  readonly jobs: string;
  readonly usage: string;
  readonly ledger: string;

  constructor(@Inject(PAYOUT_CONFIG) config: PayoutConfig) {
    const names = topicNames(config.topicPrefix);
    this.jobs = names.jobs;
    this.usage = names.usage;
    this.ledger = names.ledger;
  }
}
