import { type Attributes, context, type DiagLogger, type Histogram } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  type HistogramMetricData,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { METRIC_SMITHY_CALL_DURATION } from '@wirescope/semconv';
import { describe, expect, it } from 'vitest';
import type { Guard } from './guard.js';
import { instrumentsFor } from './metrics.js';
import { RecordBuffer } from './record-buffer.js';

/** A histogram that keeps what it is given. */
function keeping(): Histogram & { seen: Array<[number, Attributes | undefined]> } {
  const seen: Array<[number, Attributes | undefined]> = [];
  return { seen, record: (value: number, attributes?: Attributes) => void seen.push([value, attributes]) };
}

/** A guard that keeps its failures' descriptions. */
function keepingGuard(): Guard & { failures: string[] } {
  const failures: string[] = [];
  return {
    failures,
    log: {} as DiagLogger,
    run(what, fn) {
      try {
        fn();
      } catch (error) {
        failures.push(`${what}: ${(error as Error).message}`);
      }
    },
    value(_what, fn) {
      return fn();
    },
    report(what, error) {
      failures.push(`${what}: ${(error as Error).message}`);
    },
  };
}

describe('RecordBuffer', () => {
  it('holds 255 records, hands all 256 over in order when the 256th comes, and holds again after', () => {
    const buffer = new RecordBuffer(keepingGuard());
    const target = keeping();
    const histogram = buffer.histogram(target);
    const sets = [{ n: 'a' }, { n: 'b' }];
    for (let i = 0; i < 255; i++) histogram.record(i / 1000, sets[i % 2]);
    expect(target.seen).toHaveLength(0);
    histogram.record(0.255, sets[1]);
    expect(target.seen).toHaveLength(256);
    expect(target.seen[0]).toEqual([0, { n: 'a' }]);
    expect(target.seen[1]?.[1]).toBe(sets[1]);
    expect(target.seen[255]).toEqual([0.255, { n: 'b' }]);
    histogram.record(1, undefined);
    expect(target.seen).toHaveLength(256);
    buffer.flush();
    expect(target.seen).toHaveLength(257);
    expect(target.seen[256]).toEqual([1, undefined]);
  });

  it('passes a record with a context on at once', () => {
    const buffer = new RecordBuffer(keepingGuard());
    const target = keeping();
    buffer.histogram(target).record(2, { n: 'x' }, context.active());
    expect(target.seen).toEqual([[2, { n: 'x' }]]);
  });

  it('a histogram that throws loses its batch, logged once; the next batch goes through', () => {
    const guard = keepingGuard();
    const buffer = new RecordBuffer(guard);
    const broken: Histogram = {
      record: () => {
        throw new Error('instrument broken');
      },
    };
    const target = keeping();
    buffer.histogram(broken).record(1);
    buffer.histogram(target).record(2);
    buffer.flush();
    expect(guard.failures).toEqual(['recording the held histogram values: instrument broken']);
    expect(target.seen).toEqual([]);
    buffer.histogram(target).record(3);
    buffer.flush();
    expect(target.seen).toEqual([[3, undefined]]);
    expect(guard.failures).toHaveLength(1);
  });

  it("through a real MeterProvider: every record is in the next collection's count and sum", async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const histogram = instrumentsFor(provider)?.callDuration;
    if (!histogram) throw new Error('no instruments for a real provider');
    const attributes = { 'rpc.service': 'S3', 'rpc.method': 'PutObject' };
    // 300: one full buffer handed over at the 256th, 44 held until the collection.
    for (let i = 1; i <= 300; i++) histogram.record(i / 1000, attributes);
    const point = async () => {
      const { resourceMetrics } = await reader.collect();
      const metric = resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .find((m) => m.descriptor.name === METRIC_SMITHY_CALL_DURATION) as HistogramMetricData | undefined;
      expect(metric?.dataPointType).toBe(DataPointType.HISTOGRAM);
      return metric?.dataPoints[0]?.value;
    };
    const first = await point();
    expect(first?.count).toBe(300);
    expect(first?.sum).toBeCloseTo(45.15, 9); // (1 + … + 300) / 1000
    histogram.record(0.5, attributes);
    const second = await point();
    expect(second?.count).toBe(301);
    expect(second?.sum).toBeCloseTo(45.65, 9);
    await provider.shutdown();
  });
});
