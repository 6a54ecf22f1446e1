// `balance` and `statements`: the ledger as payout's PayoutService reports it.
import { api } from '@switchyard/contracts';
import type { Output } from '../terminal.js';
import { connect, unary, type EndpointOptions } from './job-service.js';
import { tokens } from '../labels.js';

const time = (t: api.Timestamp | undefined) => (t ? new Date(Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6)).toISOString() : '-');

export async function balance(endpoint: EndpointOptions, output: Output, accountId: string): Promise<void> {
  const service = connect(api.PayoutServiceClient, endpoint);
  try {
    const response = await unary(service, service.client.getBalance, { accountId });
    if (output.json) return output.document(api.GetBalanceResponse.toJSON(response));
    output.line(
      `${response.accountId}  ${tokens(response.balanceBaseUnits)} (${response.balanceBaseUnits} base units)  as of ${time(response.asOf)}`,
    );
  } finally {
    service.close();
  }
}

export async function statements(
  endpoint: EndpointOptions,
  output: Output,
  filters: { providerId: string; pageSize: number },
): Promise<void> {
  const service = connect(api.PayoutServiceClient, endpoint);
  try {
    let pageToken = '';
    if (!output.json)
      output.line(
        output.colors.bold(
          `${'statement'.padEnd(38)} ${'epoch'.padEnd(38)} ${'provider'.padEnd(20)} ${'amount'.padStart(22)} ${'usage'.padStart(5)}  closed at`,
        ),
      );
    do {
      const page = await unary(service, service.client.listStatements, {
        providerId: filters.providerId,
        pageSize: filters.pageSize,
        pageToken,
      });
      for (const s of page.statements) {
        if (output.json) output.document(api.Statement.toJSON(s));
        else
          output.line(
            `${s.statementId.padEnd(38)} ${s.epochId.padEnd(38)} ${s.providerId.padEnd(20)} ${tokens(s.amountBaseUnits).padStart(22)} ${String(s.usageIds.length).padStart(5)}  ${time(s.closedAt)}`,
          );
      }
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
  } finally {
    service.close();
  }
}
