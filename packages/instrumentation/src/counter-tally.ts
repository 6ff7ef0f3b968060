import type { Attributes, ObservableCounter, ObservableResult } from '@opentelemetry/api';

/** One series of a tallied counter: its attributes (made on its first add) and its running total. */
export interface TallySeries {
  readonly attributes: Attributes;
  value: number;
}

// As the metrics SDK's default cardinality limit: past it, new series fold into one overflow series.
const MAX_SERIES = 2000;
const OVERFLOW_KEY = '\u0000overflow';
const OVERFLOW_ATTRIBUTES: Attributes = { 'otel.metric.overflow': true };

/**
 * A monotonic counter added to on the call path with no metric call: the caller gives a key it built
 * from the attribute values (a string concatenation, in a fixed order) and the attributes; the running
 * totals are reported by an observable counter when the provider collects. The SDK's own `add` sorts
 * and serializes the attributes on every call; the busiest counters (one add per call and per
 * attempt) skip that here.
 */
export class CounterTally {
  readonly #series = new Map<string, TallySeries>();

  /** The series `key`, if it exists. */
  get(key: string): TallySeries | undefined {
    return this.#series.get(key);
  }

  /** Adds `value` to the series `key` (its attributes `attributes`, kept from the first add). */
  add(key: string, attributes: Attributes, value = 1): void {
    this.series(key, attributes).value += value;
  }

  /**
   * The series `key` (made with `attributes` if new; past the limit, the overflow series): a caller
   * that keeps it adds to its `value` with no lookup at all.
   */
  series(key: string, attributes: Attributes): TallySeries {
    let series = this.#series.get(key);
    if (!series) {
      const full = this.#series.size >= MAX_SERIES;
      series = (full && this.#series.get(OVERFLOW_KEY)) || {
        attributes: full ? OVERFLOW_ATTRIBUTES : attributes,
        value: 0,
      };
      this.#series.set(full ? OVERFLOW_KEY : key, series);
    }
    return series;
  }

  /** Reports every series on `counter` at each collection. */
  observeOn(counter: ObservableCounter): void {
    counter.addCallback((result: ObservableResult) => {
      for (const series of this.#series.values()) result.observe(series.value, series.attributes);
    });
  }
}
