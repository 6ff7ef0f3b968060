// Issue 17: the SDK's own HTTP/2 session pool with a client-side stream limit (NodeHttp2Handler's
// `maxConcurrentStreams`). The handler frees a stream's slot on the stream's 'close' event, which Node
// emits a tick after the response's end; the SDK resolves a call on that end, so a sequential loop's
// next call finds the previous stream still counted (useCount 1 of 1) and opens a second session. Pinned
// from the server's counts with and without the plugin, and the producer records it as it is: the
// second call a new session with its own handshake, the third back on the first session.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { analyze, wireSpanFromReadable } from '@wirescope/analyzer';
import { wirescope } from '@wirescope/aws-sdk';
import { ATTR_CONNECTION_ID, ATTR_CONNECTION_REUSED } from '@wirescope/semconv';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { type CallOutcome, operations, outcomeOf, sleep } from './support/fault-matrix.js';
import { startH2Server } from './support/h2-server.js';
import { createTestTracing } from './support/otel.js';
import { attr, childrenOf } from './support/span-query.js';

const tracing = createTestTracing();
afterAll(() => tracing.shutdown());

const put = (client: S3Client, key: string) =>
  outcomeOf(client.send(new PutObjectCommand({ Bucket: 'pool', Key: key, Body: `body of ${key}` })));

interface PoolRun {
  outcomes: CallOutcome[];
  /** Sessions and streams the server saw after the 3 sequential calls, then after the 4th. */
  counts: number[][];
  spans: ReadableSpan[];
}

/** Three sequential puts, a pause longer than a tick, a fourth: on a handler with a limit of 1 stream. */
async function run(withPlugin: boolean): Promise<PoolRun> {
  const server = await startH2Server();
  const client = createS3Client(server.endpoint, {
    requestHandler: new NodeHttp2Handler({ maxConcurrentStreams: 1 }),
  });
  if (withPlugin) client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  tracing.reset();
  try {
    const outcomes = [await put(client, 'a'), await put(client, 'b'), await put(client, 'c')];
    const counts = [[server.sessions, server.streams]];
    await sleep(50);
    outcomes.push(await put(client, 'd'));
    counts.push([server.sessions, server.streams]);
    await sleep(20);
    return { outcomes, counts, spans: withPlugin ? tracing.spans() : [] };
  } finally {
    client.destroy();
    await server.close();
  }
}

const ok: CallOutcome = { ok: true, attempts: 1, status: 200 };

describe('NodeHttp2Handler maxConcurrentStreams 1, sequential calls', () => {
  it('the second call opens a second session; the same with and without the plugin; recorded as such', async () => {
    const bare = await run(false);
    expect(bare.outcomes).toEqual([ok, ok, ok, ok]);
    // b: a's stream not yet closed → a new session; c: a's session free again; d (after a pause) too.
    expect(bare.counts).toEqual([
      [2, 3],
      [2, 4],
    ]);
    const traced = await run(true);
    expect(traced.outcomes).toEqual(bare.outcomes);
    expect(traced.counts).toEqual(bare.counts);

    const attempts = operations(traced.spans, 'S3.PutObject').map(
      ({ attempts: [first] }) => first as ReadableSpan,
    );
    expect(attempts).toHaveLength(4);
    const [a, b, c, d] = attempts as [ReadableSpan, ReadableSpan, ReadableSpan, ReadableSpan];
    const handshakes = (span: ReadableSpan) =>
      childrenOf(traced.spans, span).filter((s) => s.name === 'tls.handshake').length;
    expect([a, b, c, d].map((s) => attr(s, ATTR_CONNECTION_REUSED))).toEqual([false, false, true, true]);
    expect([a, b, c, d].map(handshakes)).toEqual([1, 1, 0, 0]);
    expect(attr(b, ATTR_CONNECTION_ID)).not.toBe(attr(a, ATTR_CONNECTION_ID));
    expect(attr(c, ATTR_CONNECTION_ID)).toBe(attr(a, ATTR_CONNECTION_ID));
    // Two new sessions in four calls: under the churn rule's bar (2 beyond what concurrency needs).
    const findings = (await analyze(traced.spans.map((s) => wireSpanFromReadable(s)))).findings;
    expect(findings.map((f) => f.code)).toEqual([]);
  });
});
