import type { Attributes, ObservableCallback, ObservableCounter } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { CounterTally } from './counter-tally.js';

/** Collects what the tally reports, as a MeterProvider's collection would. */
function collect(tally: CounterTally): Array<[number, Attributes]> {
  let callback: ObservableCallback | undefined;
  tally.observeOn({
    addCallback: (cb: ObservableCallback) => (callback = cb),
  } as unknown as ObservableCounter);
  const seen: Array<[number, Attributes]> = [];
  void callback?.({
    observe: (value: number, attributes: Attributes = {}) => seen.push([value, attributes]),
  });
  return seen;
}

describe('CounterTally', () => {
  it('sums per key and reports the first attributes of each series', () => {
    const tally = new CounterTally();
    tally.add('a', { k: 'a' });
    tally.add('a', { k: 'ignored' }, 2);
    tally.add('b', { k: 'b' }, 5);
    expect(collect(tally)).toEqual([
      [3, { k: 'a' }],
      [5, { k: 'b' }],
    ]);
  });

  it('folds series past 2000 into one overflow series, as the SDK does', () => {
    const tally = new CounterTally();
    for (let i = 0; i < 2005; i++) tally.add(`k${i}`, { i });
    const seen = collect(tally);
    expect(seen).toHaveLength(2001);
    expect(seen[2000]).toEqual([5, { 'otel.metric.overflow': true }]);
  });
});
