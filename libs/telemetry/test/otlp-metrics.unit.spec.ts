// With an OTLP endpoint configured, metrics are pushed there (OTLP/HTTP, /v1/metrics) on the
// export interval; a local HTTP server stands in for the collector.
import { afterAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from '@switchyard/testing';
import { counter, startMetrics, switchyardMetrics } from '../src/index.js';

const received: { path: string; contentType: string; body: Buffer }[] = [];
const collector = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    received.push({ path: request.url ?? '', contentType: String(request.headers['content-type']), body: Buffer.concat(chunks) });
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
const metrics = await startMetrics('otlp-spec', { env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_METRIC_EXPORT_INTERVAL: '100' } });
afterAll(async () => {
  await metrics.shutdown();
  await new Promise((resolve) => collector.close(resolve));
});

describe('OTLP metrics', () => {
  it('pushes the service’s metrics to the configured endpoint, without opening a Prometheus endpoint', async () => {
    counter(switchyardMetrics.USAGE_METERED).add(3, { 'switchyard.tier': 'BATCH' });
    expect(metrics.url).toBeUndefined();
    await eventually(
      () => expect(received.some((r) => r.path === '/v1/metrics' && r.body.includes('switchyard.usage.metered'))).toBe(true),
      10_000,
    );
    expect(received.find((r) => r.body.includes('switchyard.usage.metered'))?.body.includes('otlp-spec')).toBe(true);
  }, 20_000);
});
