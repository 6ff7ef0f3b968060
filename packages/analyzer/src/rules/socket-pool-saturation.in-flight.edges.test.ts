import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

// socket-pool-saturation counts a wait only while another attempt of the pool is in flight. These cases
// put the other attempt exactly at the edges of the wait, in and out of start order.
async function saturation(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'socket-pool-saturation');
}

/** One call with one attempt: start, duration and queue wait (ms). */
const at = (startMs: number, durationMs: number, queueMs = 0, attributes: Record<string, number> = {}) =>
  call({ startMs, attempts: [{ queueMs, durationMs, attributes }] });

/** Two waits of 15 ms behind a long request (P runs 0–1000 ms): a finding with 2 queued, 30 ms. */
const base = () => [...at(0, 1000), ...at(100, 30, 15), ...at(101, 30, 15)];

describe('socket-pool-saturation: the other attempt at the edges of the wait', () => {
  it('the base case: two waits behind a long request', async () => {
    const [f] = await saturation(base());
    expect(f?.evidence.counts).toEqual({ attempts: 3, queued: 2, maxSockets: 50 });
    expect(f?.costMs).toBeCloseTo(30, 1);
  });

  it('an attempt that starts exactly when the wait ended did not hold a socket during it', async () => {
    // C waits 2000–2010; X starts at 2010: nothing else was in flight while C waited.
    const c = at(2000, 20, 10);
    const x = at(2010, 50);
    const [inOrder] = await saturation([...base(), ...c, ...x]);
    expect(inOrder?.evidence.counts).toMatchObject({ attempts: 5, queued: 2 });
    // The same attempts listed out of start order (as a file may hold them): the same answer.
    const [reversed] = await saturation([...x, ...c, ...base()]);
    expect(reversed?.evidence.counts).toMatchObject({ attempts: 5, queued: 2 });
    // X one millisecond earlier is in flight during the wait: C counts.
    const [earlier] = await saturation([...base(), ...c, ...at(2009, 50)]);
    expect(earlier?.evidence.counts).toMatchObject({ attempts: 5, queued: 3 });
    expect(earlier?.costMs).toBeCloseTo(40, 1);
  });

  it('an attempt that ended exactly when the waiting one started was not in flight', async () => {
    // Y runs 2990–3000; C2 starts at 3000 and waits 10 ms.
    const [f] = await saturation([...base(), ...at(2990, 10), ...at(3000, 20, 10)]);
    expect(f?.evidence.counts).toMatchObject({ attempts: 5, queued: 2 });
    const [g] = await saturation([...base(), ...at(2990, 11), ...at(3000, 20, 10)]);
    expect(g?.evidence.counts).toMatchObject({ attempts: 5, queued: 3 });
  });

  it('the longest request that started before the wait counts, even when a shorter one started after it', async () => {
    // A runs 0–100, B 10–20 (ends before C starts), C waits 30–45 and D 60–75: only A is in flight during
    // both waits. The running "latest end" must stay A's 100 ms, not B's 20 ms.
    const [f] = await saturation([...at(0, 100), ...at(10, 10), ...at(30, 50, 15), ...at(60, 10, 15)]);
    expect(f?.evidence.counts).toMatchObject({ attempts: 4, queued: 2 });
    expect(f?.costMs).toBeCloseTo(30, 1);
  });
});

describe('socket-pool-saturation: what it reports', () => {
  it('a wait of exactly QUEUE_MIN_MS (1 ms) counts: twenty of them are 20 ms of saturation', async () => {
    const spans = Array.from({ length: 21 }, (_, i) => at(i, 100, i === 0 ? 0 : 1)).flat();
    const [f] = await saturation(spans);
    expect(f?.evidence.counts).toMatchObject({ attempts: 21, queued: 20 });
    expect(f?.costMs).toBeCloseTo(20, 1);
  });

  it('maxSockets from whichever queued attempt recorded it; no key at all when none did', async () => {
    const spans = [
      ...at(0, 1000),
      ...at(100, 30, 15),
      ...at(101, 30, 15, { 'wirescope.agent.max_sockets': 8 }),
    ];
    for (const s of spans.slice(0, -2)) delete s.attributes['wirescope.agent.max_sockets'];
    const [f] = await saturation(spans);
    expect(f?.summary).toContain('waited for a free socket (maxSockets 8):');
    expect(f?.evidence.counts).toEqual({ attempts: 3, queued: 2, maxSockets: 8 });
    const none = base();
    for (const s of none) delete s.attributes['wirescope.agent.max_sockets'];
    const [g] = await saturation(none);
    expect(Object.keys(g?.evidence.counts ?? {})).toEqual(['attempts', 'queued']);
  });
});
