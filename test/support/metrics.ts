import type { Attributes, MeterProvider as MeterProviderApi } from '@opentelemetry/api';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

// A reader that never exports on its own: the test collects when it wants the numbers, so nothing
// runs in the background of the calls measured.
class CollectingReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/** One data point: its attributes and its value (a sum's number, a histogram's count and sum). */
export interface Point {
  readonly attributes: Attributes;
  readonly value: number;
  readonly count: number;
  readonly sum: number;
}

/** A real @opentelemetry/sdk-metrics MeterProvider for one test file, read on demand. */
export interface TestMetrics {
  readonly provider: MeterProvider;
  /** Every data point of `name` at this moment (cumulative since the provider was made). */
  points(name: string): Promise<Point[]>;
  /** Every metric name that has at least one data point. */
  names(): Promise<string[]>;
  shutdown(): Promise<void>;
}

/** Makes the provider with its collecting reader. */
export function createTestMetrics(): TestMetrics {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ readers: [reader] });
  const collect = async (): Promise<ResourceMetrics> => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw new Error(`collecting metrics failed: ${errors.join(', ')}`);
    return resourceMetrics;
  };
  return {
    provider,
    async points(name) {
      const found: Point[] = [];
      for (const scope of (await collect()).scopeMetrics)
        for (const metric of scope.metrics) {
          if (metric.descriptor.name !== name) continue;
          for (const point of metric.dataPoints as DataPoint<number | Histogram>[])
            found.push(toPoint(point));
        }
      return found;
    },
    async names() {
      const found = new Set<string>();
      for (const scope of (await collect()).scopeMetrics)
        for (const metric of scope.metrics)
          if (metric.dataPoints.length > 0) found.add(metric.descriptor.name);
      return [...found].sort();
    },
    shutdown: () => provider.shutdown(),
  };
}

function toPoint(point: DataPoint<number | Histogram>): Point {
  const { value } = point;
  if (typeof value === 'number') return { attributes: point.attributes, value, count: value, sum: value };
  return { attributes: point.attributes, value: value.count, count: value.count, sum: value.sum ?? 0 };
}

/** The total (sum's value, histogram's count) of the points whose attributes include `match`. */
export function total(points: readonly Point[], match: Attributes = {}): number {
  let sum = 0;
  for (const point of points) {
    if (Object.entries(match).every(([key, value]) => point.attributes[key] === value)) sum += point.value;
  }
  return sum;
}

/**
 * A MeterProvider whose histograms and counters throw `instrument broken` on every record and add:
 * what the fail-safe tests give an instrumentation. Its observables keep their callbacks, and
 * `collect()` runs them as a provider's collection does (the kernel hands over its held histogram
 * values then).
 */
export function throwingMeterProvider(): MeterProviderApi & { collect(): void } {
  const broken = () => {
    throw new Error('instrument broken');
  };
  // The observable callbacks, run by `collect()` as a provider's collection runs them: that is when
  // the kernel hands its held histogram values to the (throwing) histograms.
  const callbacks: ((result: unknown) => void)[] = [];
  const observable = () => ({
    addCallback: (callback: (result: unknown) => void) => callbacks.push(callback),
  });
  const meter = {
    createHistogram: () => ({ record: broken }),
    createCounter: () => ({ add: broken }),
    createObservableCounter: observable,
    createObservableUpDownCounter: observable,
  };
  const result = { observe: () => undefined };
  return {
    getMeter: () => meter,
    collect: () => {
      for (const callback of callbacks) callback(result);
    },
  } as unknown as MeterProviderApi & { collect(): void };
}
