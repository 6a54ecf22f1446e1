// `usage`: metered usage lines from metering's UsageService (a tenant sees its jobs, an operator
// its providers, an admin everything), following page tokens.
import { api } from '@switchyard/contracts';
import type { Output } from '../terminal.js';
import { connect, unary, type EndpointOptions } from './job-service.js';
import { tierLabel, tokens } from '../labels.js';

const time = (t: api.Timestamp | undefined) => (t ? new Date(Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6)).toISOString() : '-');
const timestamp = (date: Date | undefined): api.Timestamp | undefined =>
  date === undefined ? undefined : { seconds: String(Math.floor(date.getTime() / 1000)), nanos: (date.getTime() % 1000) * 1_000_000 };

export async function usage(
  endpoint: EndpointOptions,
  output: Output,
  filters: { providerId: string; start: Date | undefined; end: Date | undefined; pageSize: number },
): Promise<void> {
  const service = connect(api.UsageServiceClient, endpoint);
  try {
    let pageToken = '';
    let total = 0n;
    let lines = 0;
    if (!output.json)
      output.line(
        output.colors.bold(
          `${'metered at'.padEnd(24)} ${'job'.padEnd(38)} ${'att'.padStart(3)} ${'tier'.padEnd(9)} ${'gpu class'.padEnd(10)} ${'gpu ms'.padStart(10)} ${'price'.padStart(18)}  rate card`,
        ),
      );
    do {
      const page = await unary(service, service.client.getUsage, {
        providerId: filters.providerId,
        startTime: timestamp(filters.start),
        endTime: timestamp(filters.end),
        pageSize: filters.pageSize,
        pageToken,
      });
      for (const line of page.lines) {
        lines += 1;
        total += BigInt(line.priceBaseUnits);
        if (output.json) output.document(api.UsageLine.toJSON(line));
        else
          output.line(
            `${time(line.meteredAt).padEnd(24)} ${line.jobId.padEnd(38)} ${String(line.attempt).padStart(3)} ${tierLabel(line.tier).padEnd(9)} ${line.gpuClass.padEnd(10)} ${(line.amounts?.gpuMilliseconds ?? '0').padStart(10)} ${tokens(line.priceBaseUnits).padStart(18)}  ${line.rateCardVersion}`,
          );
      }
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    if (!output.json) output.line(`${lines} line(s), total ${tokens(total)} (${total} base units)`);
  } finally {
    service.close();
  }
}
