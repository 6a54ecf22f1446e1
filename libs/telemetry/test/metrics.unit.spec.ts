// A service's metrics on its Prometheus endpoint: instruments declared before the provider
// exists bind to it, gauges are read on each scrape, names follow the Prometheus conversion of
// the semantic-convention names, and bad configuration is a clear error.
import { afterAll, describe, expect, it } from '@jest/globals';
import { counter, histogram, MetricsConfigurationError, observeGauge, startMetrics, switchyardMetrics } from '../src/index.js';

const declaredEarly = counter(switchyardMetrics.DEAD_LETTERS);
const latency = histogram(switchyardMetrics.SUBMIT_TO_PLACED);
let depth = 3;
const gauge = observeGauge(switchyardMetrics.PLACEMENT_QUEUE_DEPTH, () => [
  { value: depth, attributes: { 'switchyard.tier': 'TIER_BATCH' } },
]);

const metrics = await startMetrics('telemetry-spec', { env: { METRICS_ADDRESS: '127.0.0.1:0' } });
afterAll(() => metrics.shutdown());

const scrape = async (): Promise<string> => (await fetch(metrics.url!)).text();

/** The samples of one series name: labels and value. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .map((line) => {
      const [, labels = '', value = ''] = /^[^{]+\{(.*)\} (\S+)$/.exec(line) ?? [];
      return { labels: Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!])), value: Number(value) };
    });
}

describe('metrics endpoint', () => {
  it('serves what instruments recorded, under Prometheus names, with the service name on every series', async () => {
    declaredEarly.add(2, { 'messaging.consumer.group.name': 'switchyard.intake' });
    latency.record(1.5, { 'switchyard.tier': 'TIER_REALTIME' });
    const text = await scrape();
    expect(metrics.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(samples(text, 'switchyard_dead_letters_total')).toEqual([
      { labels: expect.objectContaining({ messaging_consumer_group_name: 'switchyard.intake', service_name: 'telemetry-spec' }), value: 2 },
    ]);
    expect(samples(text, 'switchyard_job_submit_to_placed_duration_bucket')).toContainEqual({
      labels: expect.objectContaining({ switchyard_tier: 'TIER_REALTIME', le: '2' }),
      value: 1,
    });
    expect(samples(text, 'switchyard_placement_queue_depth')).toEqual([
      { labels: expect.objectContaining({ switchyard_tier: 'TIER_BATCH', service_name: 'telemetry-spec' }), value: 3 },
    ]);
  });

  it('reads gauges again on every scrape, and no longer once removed', async () => {
    depth = 7;
    expect(samples(await scrape(), 'switchyard_placement_queue_depth').map((s) => s.value)).toEqual([7]);
    gauge.remove();
    depth = 9;
    // The SDK keeps exporting an attribute set's last value (cumulative temporality), so
    // callbacks report every attribute set they ever reported, with 0 when it went empty.
    expect(samples(await scrape(), 'switchyard_placement_queue_depth').map((s) => s.value)).not.toContain(9);
  });

  it('answers 404 elsewhere', async () => {
    expect((await fetch(metrics.url!.replace('/metrics', '/'))).status).toBe(404);
  });

  it('shares the first start with a second caller in the same process, until both have shut down', async () => {
    const second = await startMetrics('other', { env: {} });
    expect(second.url).toBe(metrics.url);
    await second.shutdown();
    expect((await fetch(metrics.url!)).status).toBe(200);
  });
});

describe('metrics configuration', () => {
  it('names what is wrong with METRICS_ADDRESS and OTEL_METRICS_EXPORTER', async () => {
    const { parseMetricsAddress, otlpReaderFor } = await import('../src/metrics.js');
    expect(() => parseMetricsAddress('9464')).toThrow(MetricsConfigurationError);
    expect(() => parseMetricsAddress('localhost:99999')).toThrow('METRICS_ADDRESS must be host:port');
    expect(parseMetricsAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => otlpReaderFor({ OTEL_METRICS_EXPORTER: 'statsd' })).toThrow('unknown exporter "statsd"');
    expect(otlpReaderFor({})).toBeUndefined();
    expect(otlpReaderFor({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBeDefined();
  });
});
