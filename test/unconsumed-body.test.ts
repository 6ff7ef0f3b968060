// Issue 18, `unconsumed-body` on a real server with the real SDK: two GetObject bodies left unread on an
// agent with maxSockets 2 hold both sockets, and a third call queues behind them until the app reads one;
// the analyzer names the bodies and the queued call. The same calls with their bodies read: nothing.
import https from 'node:https';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { analyze, formatText, wireSpanFromReadable } from '@wirescope/analyzer';
import { disableWirescope, wirescope } from '@wirescope/aws-sdk';
import { HttpConnectionInstrumentation } from '@wirescope/instrumentation-http';
import {
  ATTR_BODY_OUTCOME,
  ATTR_CONNECTION_QUEUE_MS,
  BODY_OUTCOME_UNREAD,
  SPAN_HTTP_RESPONSE_BODY,
} from '@wirescope/semconv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BodyServerHandle, SMALL, startBodyServer } from './support/body-server.js';
import { createS3Client } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { attr, spansNamed } from './support/span-query.js';

const GRACE_MS = 200;
/** How long the app leaves the third call queued before it reads one of the unread bodies. */
const HOLD_MS = 400;

const tracing = createTestTracing();
let server: BodyServerHandle;
let instrumentation: HttpConnectionInstrumentation;
const clients: S3Client[] = [];
const agents: https.Agent[] = [];

beforeAll(async () => {
  server = await startBodyServer({ pauseMs: 100 });
  // Beside the plugin only for its short grace period (the shortest asked for wins).
  instrumentation = new HttpConnectionInstrumentation({
    recordOnActiveSpan: false,
    bodyGracePeriodMs: GRACE_MS,
  });
});
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
  for (const agent of agents.splice(0)) agent.destroy();
  tracing.reset();
});
afterAll(async () => {
  instrumentation.disable();
  disableWirescope();
  await server.close();
  await tracing.shutdown();
});

function client(): S3Client {
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 2 });
  agents.push(httpsAgent);
  const s3 = createS3Client(server.endpoint, {
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpsAgent }),
  });
  s3.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  clients.push(s3);
  return s3;
}

const get = (s3: S3Client) => s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'small' }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(done: () => boolean, withinMs = 5000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!done() && Date.now() < deadline) await sleep(20);
}

async function findingsOfSpans() {
  // Let every body phase end (the read ones end at once, unread ones on their timer).
  await sleep(3 * GRACE_MS);
  const result = await analyze(tracing.spans().map((span) => wireSpanFromReadable(span)));
  return result;
}

describe('unconsumed-body against a real server (node handler, maxSockets 2)', () => {
  it('two bodies left unread, then a call that queues: found, with the queued call behind them', async () => {
    const s3 = client();
    const first: GetObjectCommandOutput = await get(s3);
    const second: GetObjectCommandOutput = await get(s3);
    await waitFor(() => spansNamed(tracing.spans(), SPAN_HTTP_RESPONSE_BODY).length >= 2);
    const bodies = spansNamed(tracing.spans(), SPAN_HTTP_RESPONSE_BODY);
    expect(bodies.map((b) => attr(b, ATTR_BODY_OUTCOME))).toEqual([BODY_OUTCOME_UNREAD, BODY_OUTCOME_UNREAD]);
    // Both sockets are held: the third call waits until the app reads the first body.
    let done = false;
    const third = get(s3).then(async (output) => {
      done = true;
      return output.Body!.transformToString();
    });
    await sleep(HOLD_MS);
    expect(done).toBe(false);
    expect(await first.Body!.transformToString()).toHaveLength(SMALL);
    expect(await third).toHaveLength(SMALL);
    await second.Body!.transformToString();

    const attempts = spansNamed(tracing.spans(), 'S3.GetObject attempt');
    expect(attempts).toHaveLength(3);
    const queuedAttempt = attempts.find((a) => attr(a, ATTR_CONNECTION_QUEUE_MS) !== undefined)!;
    const queueMs = attr(queuedAttempt, ATTR_CONNECTION_QUEUE_MS) as number;
    expect(queueMs).toBeGreaterThanOrEqual(HOLD_MS - 5);

    const result = await findingsOfSpans();
    const found = result.findings.filter((f) => f.code === 'unconsumed-body');
    expect(found).toHaveLength(1);
    const [f] = found;
    expect(f?.evidence.counts).toMatchObject({ unreadBodies: 2, queuedCalls: 1, maxSockets: 2 });
    // The queued call is in the evidence, after the two calls whose bodies held the sockets.
    expect(f?.evidence.spanIds).toHaveLength(3);
    expect(f?.evidence.spanIds[2]).toBe(queuedAttempt.spanContext().spanId);
    expect(f?.costMs).toBeCloseTo(queueMs, 0);
    expect(f?.severity).toBe('error');
    // The first body's socket went to the queued call: its hold is seen to end there.
    expect(f?.evidence.counts.releasedSeen).toBe(1);
    expect(f?.evidence.measurements.heldMsMax).toBeGreaterThanOrEqual(HOLD_MS - 5);
    expect(f?.fix).toContain('Body.destroy()');
    console.info(formatText(result));
  });

  it('the same calls with every body read: nothing', async () => {
    const s3 = client();
    const first = await get(s3);
    const second = await get(s3);
    await first.Body!.transformToString();
    await second.Body!.transformToString();
    await (await get(s3)).Body!.transformToString();
    const result = await findingsOfSpans();
    expect(result.findings.map((f) => f.code)).toEqual([]);
    const outcomes = spansNamed(tracing.spans(), SPAN_HTTP_RESPONSE_BODY).map((b) =>
      attr(b, ATTR_BODY_OUTCOME),
    );
    expect(outcomes).toEqual(['complete', 'complete', 'complete']);
  });
});
