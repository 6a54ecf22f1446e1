// switchyard.v1.PayoutService over gRPC: authenticate the caller from metadata, check what it may
// read, call the ledger, map to the API types. No ledger logic here. The time of a call (a
// balance's as-of, an epoch close's now) is read from the module's Clock.
import { Controller, Inject } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { GrpcMethod } from '@nestjs/microservices';
import { dateOf, type api } from '@switchyard/contracts';
import { CLOCK, invalidArgument, permissionDenied, unauthenticated, type Clock } from '@switchyard/service-host';
import { DataSource } from 'typeorm';
import { mayReadAccount } from './credentials/access.js';
import { apiKeyOf, type Caller, type CallerDirectory } from '@switchyard/access';
import { accountHolder } from './domain/index.js';
import { CloseEpochHandler, EpochCutoffError } from './epochs/close-epoch.handler.js';
import { operatorOf } from './persistence/job-sla-store.js';
import { balanceOf } from './persistence/ledger-store.js';
import { statementsOf, type StoredStatement } from './persistence/epoch-store.js';
import { CALLERS } from './tokens.js';

const MAX_PAGE_SIZE = 100;

@Controller()
export class PayoutGrpcController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly closeEpochHandler: CloseEpochHandler,
    @Inject(CALLERS) private readonly callers: CallerDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @GrpcMethod('PayoutService', 'GetBalance')
  async getBalance(request: api.GetBalanceRequest, metadata: Metadata): Promise<api.GetBalanceResponse> {
    const caller = this.authenticate(metadata);
    const accountId = request.accountId ?? '';
    const holder = accountHolder(accountId);
    const providerOperator = holder?.kind === 'provider' ? await operatorOf(this.dataSource.manager, holder.providerId) : undefined;
    switch (mayReadAccount(caller, accountId, providerOperator)) {
      case 'unknown-account':
        throw invalidArgument([{ field: 'account_id', description: 'must be tenant:<id>, provider:<id>, protocol:fees or payouts:paid' }]);
      case 'denied':
        throw permissionDenied(`this credential may not read ${accountId}`, { reason: 'ACCOUNT_NOT_YOURS' });
      case 'allowed':
        break;
    }
    const asOf = this.clock.now();
    const balance = await balanceOf(this.dataSource.manager, accountId);
    return { accountId, balanceBaseUnits: balance.toString(), asOf: timestamp(asOf) };
  }

  @GrpcMethod('PayoutService', 'ListStatements')
  async listStatements(request: api.ListStatementsRequest, metadata: Metadata): Promise<api.ListStatementsResponse> {
    const caller = this.authenticate(metadata);
    const providerId = request.providerId ?? '';
    if (providerId === '') throw invalidArgument([{ field: 'provider_id', description: 'is required' }]);
    const operator = await operatorOf(this.dataSource.manager, providerId);
    if (mayReadAccount(caller, `provider:${providerId}`, operator) !== 'allowed') {
      throw permissionDenied(`this credential may not read the statements of provider ${providerId}`, { reason: 'PROVIDER_NOT_YOURS' });
    }
    const pageSize = Math.min(request.pageSize || 20, MAX_PAGE_SIZE);
    const beforeSeq = pageTokenSeq(request.pageToken ?? '');
    // One more than asked says whether another page follows; the token resumes below the last epoch returned.
    const found = await statementsOf(this.dataSource.manager, providerId, pageSize + 1, beforeSeq);
    const statements = found.slice(0, pageSize);
    const last = statements[statements.length - 1];
    return {
      statements: statements.map(statementOf),
      nextPageToken: found.length > pageSize && last ? Buffer.from(`seq:${last.epochSeq}`).toString('base64url') : '',
    };
  }

  @GrpcMethod('PayoutService', 'CloseEpoch')
  async closeEpoch(request: api.CloseEpochRequest, metadata: Metadata): Promise<api.CloseEpochResponse> {
    const caller = this.authenticate(metadata);
    if (caller.kind !== 'admin') throw permissionDenied('closing an epoch needs the admin credential', { reason: 'ADMIN_ONLY' });
    try {
      const closed = await this.closeEpochHandler.close({
        cutoff: dateOf(request.cutoff),
        idempotencyKey: request.idempotencyKey || undefined,
        now: this.clock.now(),
      });
      return {
        epochId: closed.epoch.epochId,
        payouts: closed.statements.map((s) => ({
          providerId: s.providerId,
          statementId: s.statementId,
          amountBaseUnits: s.amountBaseUnits.toString(),
        })),
        totalBaseUnits: closed.epoch.totalBaseUnits.toString(),
      };
    } catch (error) {
      if (error instanceof EpochCutoffError) throw invalidArgument([{ field: 'cutoff', description: error.message }]);
      throw error;
    }
  }

  private authenticate(metadata: Metadata): Caller {
    const key = apiKeyOf(metadata);
    if (key === undefined) throw unauthenticated('missing credential: send "authorization: Bearer <key>"', { reason: 'API_KEY_MISSING' });
    const caller = this.callers.callerOf(key);
    if (!caller) throw unauthenticated('unknown credential', { reason: 'API_KEY_INVALID' });
    return caller;
  }
}

function pageTokenSeq(token: string): number | undefined {
  if (token === '') return undefined;
  const match = /^seq:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw invalidArgument([{ field: 'page_token', description: 'is not a token this service returned' }]);
  return Number(match[1]);
}

function statementOf(statement: StoredStatement): api.Statement {
  return {
    statementId: statement.statementId,
    epochId: statement.epochId,
    providerId: statement.providerId,
    amountBaseUnits: statement.amountBaseUnits.toString(),
    usageIds: statement.usageIds,
    closedAt: timestamp(statement.closedAt),
  };
}

function timestamp(at: Date): api.Timestamp {
  const ms = at.getTime();
  return { seconds: Math.floor(ms / 1000).toString(), nanos: (ms % 1000) * 1_000_000 };
}
