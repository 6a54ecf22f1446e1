// Switchyard's way to make metrics: instruments declared anywhere (module scope is fine), bound
// to the process's meter provider once startMetrics has made it. Before that (and in a process
// that never starts metrics, such as the CLI or a unit test), recording does nothing.
//
// For services and libraries:
//   const placed = histogram({ name: 'switchyard.job.submit_to_placed.duration', unit: 's', description: '…', buckets: [...] });
//   placed.record(seconds, { 'switchyard.tier': 'REALTIME' });
//   const gauge = observeGauge({ name: 'switchyard.placement.queue.depth', unit: '{job}', description: '…' },
//     async () => (await depths()).map((d) => ({ value: d.count, attributes: { 'switchyard.tier': d.tier } })));
//   gauge.remove(); // on shutdown, so a stopped component is not asked again
// Names follow the semantic conventions' style (dot-separated, unit in `unit`, not in the name);
// the Prometheus endpoint turns `switchyard.placement.queue.depth` into
// `switchyard_placement_queue_depth` (counters get `_total`; the unit is in `# UNIT`, not the name).
import type { Attributes, Counter, Histogram, Meter, ObservableGauge, ObservableResult, UpDownCounter } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { SEMCONV_SCHEMA_URL } from './semconv.js';

export interface InstrumentSpec {
  readonly name: string;
  readonly description: string;
  /** UCUM unit: `s`, `By`, `1`, or an annotation such as `{job}`. */
  readonly unit?: string;
}

export interface HistogramSpec extends InstrumentSpec {
  /** Explicit bucket boundaries, in `unit`. */
  readonly buckets?: readonly number[];
}

export interface Observation {
  readonly value: number;
  readonly attributes?: Attributes;
}

/**
 * Reads the current values when metrics are collected (a scrape, an OTLP export). The SDK keeps
 * exporting the last value of every attribute set a callback ever reported, so report the sets
 * that went empty with 0 rather than leaving them out.
 */
export type ObserveCallback = () => Iterable<Observation> | Promise<Iterable<Observation>>;

export interface ObservedGauge {
  /** Stops observing; the gauge's series disappear from the next collection. */
  remove(): void;
}

export interface CounterInstrument {
  add(value: number, attributes?: Attributes): void;
}

export interface HistogramInstrument {
  record(value: number, attributes?: Attributes): void;
}

/** Buckets for durations in seconds, from 5 ms to 10 min. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

let meter: Meter | undefined;
const binders = new Set<(meter: Meter) => void>();

/** Called by startMetrics: every instrument declared so far, and every later one, binds to `provider`. */
export function bindMeterProvider(provider: MeterProvider): void {
  meter = provider.getMeter('switchyard', undefined, { schemaUrl: SEMCONV_SCHEMA_URL });
  for (const bind of binders) bind(meter);
}

function onMeter(bind: (meter: Meter) => void): () => void {
  binders.add(bind);
  if (meter) bind(meter);
  return () => binders.delete(bind);
}

export function counter(spec: InstrumentSpec): CounterInstrument {
  let instrument: Counter | undefined;
  onMeter((m) => (instrument = m.createCounter(spec.name, { description: spec.description, unit: spec.unit ?? '' })));
  return { add: (value, attributes) => instrument?.add(value, attributes) };
}

/** A value that goes up and down and is only known where it changes (e.g. open streams). */
export function upDownCounter(spec: InstrumentSpec): CounterInstrument {
  let instrument: UpDownCounter | undefined;
  onMeter((m) => (instrument = m.createUpDownCounter(spec.name, { description: spec.description, unit: spec.unit ?? '' })));
  return { add: (value, attributes) => instrument?.add(value, attributes) };
}

export function histogram(spec: HistogramSpec): HistogramInstrument {
  let instrument: Histogram | undefined;
  onMeter(
    (m) =>
      (instrument = m.createHistogram(spec.name, {
        description: spec.description,
        unit: spec.unit ?? '',
        ...(spec.buckets ? { advice: { explicitBucketBoundaries: [...spec.buckets] } } : {}),
      })),
  );
  return { record: (value, attributes) => instrument?.record(value, attributes) };
}

/**
 * A gauge read on collection. The callback may query a database or the log; a failing callback
 * reports nothing for that collection (the SDK logs it) and is asked again next time.
 */
export function observeGauge(spec: InstrumentSpec, callback: ObserveCallback): ObservedGauge {
  let bound: { gauge: ObservableGauge; observe: (result: ObservableResult) => Promise<void> } | undefined;
  const unbind = onMeter((m) => {
    if (bound) bound.gauge.removeCallback(bound.observe);
    const gauge = m.createObservableGauge(spec.name, { description: spec.description, unit: spec.unit ?? '' });
    const observe = async (result: ObservableResult): Promise<void> => {
      for (const { value, attributes } of await callback()) result.observe(value, attributes);
    };
    gauge.addCallback(observe);
    bound = { gauge, observe };
  });
  return {
    remove: () => {
      unbind();
      if (bound) bound.gauge.removeCallback(bound.observe);
      bound = undefined;
    },
  };
}
