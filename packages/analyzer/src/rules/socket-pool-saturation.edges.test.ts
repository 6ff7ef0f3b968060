import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

// socket-pool-saturation pinned whole: summary with and without maxSockets, cost, basis, fix, evidence.
async function saturation(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'socket-pool-saturation');
}

/** Calls started 1 ms apart, 100 ms each (all in flight together); `waits[i]` is call i's queue_ms. */
const burst = (waits: number[], attributes: Record<string, number> = {}) =>
  waits.flatMap((queueMs, i) => call({ startMs: i, attempts: [{ queueMs, durationMs: 100, attributes }] }));

const HOST = 'my-bucket.s3.us-east-1.amazonaws.com:443';
// 4 requests in flight within maxSockets 50: the traced requests alone could not fill the pool.
const FIX =
  'Only 4 traced requests were in flight at peak, within maxSockets 50: free the sockets held elsewhere (response bodies left unread, other clients sharing the agent), or raise maxSockets.';

describe('socket-pool-saturation, pinned', () => {
  it('three waits behind a full pool of 50 (hand-computed)', async () => {
    // Waits 5, 5, 50 → 60 ms, 20 per queued call; median 5 → info; 4 calls in flight at once.
    const findings = await saturation(burst([0, 5, 5, 50]));
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f?.summary).toBe(
      `3 of 4 requests to ${HOST} waited for a free socket (maxSockets 50): median 5.0 ms, 4 requests in flight at peak`,
    );
    expect(f?.severity).toBe('info');
    expect(f?.costMs).toBeCloseTo(60, 1);
    expect(f?.costPerCallMs).toBeCloseTo(20, 1);
    expect(f?.costBasis).toBe('measured: sum of wirescope.connection.queue_ms');
    expect(f?.fix).toBe(FIX);
    expect(f?.evidence.counts).toEqual({ attempts: 4, queued: 3, maxSockets: 50 });
    expect(f?.evidence.measurements).toEqual({ queueMedianMs: 5, queueMaxMs: 50 });
    expect(f?.evidence.spanIdsTotal).toBe(3);
  });

  it('without a recorded maxSockets: no limit in the summary or the counts (hand-computed)', async () => {
    // Waits 12 and 30 → 42 ms, 21 each, median 21 → warning; max 30.
    const spans = burst([0, 12, 30]);
    for (const s of spans) delete s.attributes['wirescope.agent.max_sockets'];
    const [f] = await saturation(spans);
    expect(f?.summary).toBe(
      `2 of 3 requests to ${HOST} waited for a free socket: median 21 ms, 3 requests in flight at peak`,
    );
    expect(f?.severity).toBe('warning');
    expect(f?.costMs).toBeCloseTo(42, 1);
    expect(f?.costPerCallMs).toBeCloseTo(21, 1);
    expect(f?.evidence.counts).toEqual({ attempts: 3, queued: 2 });
    expect(f?.evidence.measurements).toEqual({ queueMedianMs: 21, queueMaxMs: 30 });
  });

  it('a burst beyond maxSockets: the fix gives the measured peak as the pool size, named per handler', async () => {
    // 6 calls in flight at once on a pool of 2: raise it from 2 to 6.
    const [node] = await saturation(burst([0, 0, 30, 30, 60, 60], { 'wirescope.agent.max_sockets': 2 }));
    expect(node?.summary).toContain('(maxSockets 2)');
    expect(node?.summary).toContain('6 requests in flight at peak');
    expect(node?.fix).toBe(
      "Raise the agent's maxSockets from 2 to 6, the requests in flight at peak (new NodeHttpHandler({ httpsAgent: { maxSockets: 6 } })), or limit concurrency to the pool size.",
    );
    const fetch = burst([0, 0, 30, 30, 60, 60], {});
    for (const s of fetch) {
      s.attributes['wirescope.http.handler'] = 'fetch';
      delete s.attributes['wirescope.agent.max_sockets'];
    }
    const [undici] = await saturation(fetch);
    expect(undici?.fix).toBe(
      "Raise the fetch dispatcher's connection limit to 6, the requests in flight at peak (an undici Agent({ connections: 6 }) as the dispatcher), or limit concurrency to the pool size.",
    );
    for (const s of fetch) delete s.attributes['wirescope.http.handler'];
    const [unknown] = await saturation(fetch);
    expect(unknown?.fix).toBe(
      'Raise the pool size to 6, the requests in flight at peak (new NodeHttpHandler({ httpsAgent: { maxSockets: 6 } }) on the Node handler, undici Agent({ connections }) on fetch), or limit concurrency to the pool size.',
    );
  });

  it('the queue max is the largest wait wherever it is; a median of 100 ms is an error', async () => {
    const [f] = await saturation(burst([0, 150, 100, 60]));
    expect(f?.evidence.measurements).toEqual({ queueMedianMs: 100, queueMaxMs: 150 });
    expect(f?.severity).toBe('error');
  });

  it('a wait counts only while another attempt of the pool is still in flight', async () => {
    // Call 0 runs [0, 100); call 1 starts at 50 and waits 10 (call 0 in flight) → queued;
    // call 2 starts at 300 and waits 40 alone (call 1 ended at 150, call 3 starts after the wait) → not
    // queued; call 3 at 350 waits 30 behind call 2 → queued. Queued: waits 10 and 30 → 40 ms.
    const spans = [
      ...call({ startMs: 0, attempts: [{ durationMs: 100 }] }),
      ...call({ startMs: 50, attempts: [{ queueMs: 10, durationMs: 100 }] }),
      ...call({ startMs: 300, attempts: [{ queueMs: 40, durationMs: 100 }] }),
      ...call({ startMs: 350, attempts: [{ queueMs: 30, durationMs: 100 }] }),
    ];
    const [f] = await saturation(spans);
    expect(f?.evidence.counts).toMatchObject({ attempts: 4, queued: 2 });
    expect(f?.costMs).toBeCloseTo(40, 1);
    expect(f?.evidence.measurements).toEqual({ queueMedianMs: 20, queueMaxMs: 30 });
  });

  it('the attempt in flight must be another one: the longest attempt waiting alone is not queued', async () => {
    // Calls 0 [0, 500) and 1 [1, 11) wait behind each other → queued (20 + 5). Call 2 [600, 1600) waits
    // 30: the latest end among the attempts started before 630 is its own; the next (500) is over.
    const spans = [
      ...call({ startMs: 0, attempts: [{ queueMs: 20, durationMs: 500 }] }),
      ...call({ startMs: 1, attempts: [{ queueMs: 5, durationMs: 10 }] }),
      ...call({ startMs: 600, attempts: [{ queueMs: 30, durationMs: 1000 }] }),
    ];
    const [f] = await saturation(spans);
    expect(f?.evidence.counts).toMatchObject({ attempts: 3, queued: 2 });
    expect(f?.costMs).toBeCloseTo(25, 1);
  });
});
