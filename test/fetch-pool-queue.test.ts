// A call waiting inside an undici Pool at its `connections` limit (2 or more) on FetchHttpHandler. The
// Pool keeps such a request in its own queue, where it is no undici Request yet: undici makes it
// (`request:create`) only when a connection frees up, in the async context of the request whose
// socket freed, so the attempt scope there is another call's. The undici layer finds the attempt by
// the SDK's own `amz-sdk-invocation-id` / `amz-sdk-request` headers instead, and counts the wait from
// when the attempt handed its request to the handler. Real DynamoDB clients with FetchHttpHandler and
// the plugin, a real OpenTelemetry SDK (spans and metrics), a loopback server that holds the first two
// responses, and Node's own undici Agent({ connections: 2 }) as the global dispatcher.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_ATTEMPT,
  ATTR_AWS_REQUEST_ID,
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_QUEUE_MS,
  ATTR_CONNECTION_REQUESTS,
  ATTR_CONNECTION_REUSED,
} from '@wirescope/semconv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient } from './support/clients.js';
import { createTestMetrics, type TestMetrics } from './support/metrics.js';
import { createTestTracing } from './support/otel.js';
import { attr, spansNamed } from './support/span-query.js';

const DISPATCHER = Symbol.for('undici.globalDispatcher.1');
const slot = globalThis as unknown as Record<symbol, unknown>;
const tracing = createTestTracing();
const ITEM = { TableName: 't', Item: { k: { S: 'v' } } };
const HOLD_MS = 150;

/** Answers as DynamoDB answers PutItem, holding the first `held` responses HOLD_MS; notes each socket. */
class HoldingServer {
  readonly server = http.createServer((req, res) => void this.#answer(req, res));
  readonly sockets: Socket[] = [];
  /** The index in `sockets` of the socket each request arrived on, by request id. */
  readonly socketOf = new Map<string, number>();
  held = 0;
  #requests = 0;

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server.on('connection', (socket: Socket) => this.sockets.push(socket));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
  }

  async #answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.#requests += 1;
    const id = `req-${this.#requests}`;
    this.socketOf.set(id, this.sockets.indexOf(req.socket));
    for await (const _ of req);
    if (this.held > 0) {
      this.held -= 1;
      await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    }
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': id }).end('{}');
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
  }
}

let server: HoldingServer;
let BundledAgent: new (options: { connections?: number }) => { close(): Promise<void> };
let previous: unknown;
let agent: { close(): Promise<void> } | undefined;

beforeAll(async () => {
  // Node makes its global dispatcher when fetch first loads: its class is Node's own undici Agent (the
  // undici package's Agent cannot carry FetchHttpHandler's requests on Node 20, see fetch-pool-metrics).
  await fetch('data:,');
  previous = slot[DISPATCHER];
  BundledAgent = (previous as { constructor: typeof BundledAgent }).constructor;
});

afterEach(async () => {
  slot[DISPATCHER] = previous;
  await agent?.close();
  agent = undefined;
  await server?.close();
  tracing.reset();
});

afterAll(() => tracing.shutdown());

/** Three concurrent PutItem calls through a fresh Agent({ connections: 2 }); the first two held. */
async function threeCallsOnTwoConnections(metrics?: TestMetrics, hostFetch = false): Promise<void> {
  server = new HoldingServer();
  await server.start();
  server.held = 2;
  agent = new BundledAgent({ connections: 2 });
  slot[DISPATCHER] = agent;
  const client = createDynamoClient(server.endpoint, { handler: 'fetch', maxAttempts: 1 });
  client.middlewareStack.use(
    wirescope({ tracerProvider: tracing.provider, ...(metrics ? { meterProvider: metrics.provider } : {}) }),
  );
  const calls: Promise<unknown>[] = [0, 1].map(() => client.send(new PutItemCommand(ITEM)));
  // The third: a call, or a fetch of the host's own with none of the SDK's headers.
  if (hostFetch) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    calls.push(fetch(`${server.endpoint}/`, { method: 'POST', body: '{}' }).then((res) => res.text()));
  } else calls.push(client.send(new PutItemCommand(ITEM)));
  await Promise.all(calls);
  client.destroy();
  // The first two opened a connection each; the third rode one of them.
  expect(server.sockets).toHaveLength(2);
}

/** The attempt span of the call whose request the server numbered `id`. */
function attemptOf(id: string): ReadableSpan {
  const found = spansNamed(tracing.spans(), 'DynamoDB.PutItem attempt').filter(
    (span) => attr(span, ATTR_AWS_REQUEST_ID) === id,
  );
  expect(found).toHaveLength(1);
  return found[0] as ReadableSpan;
}

/** The facts the three attempt spans carry, and the server's view of which socket each rode. */
function checkAttribution(): number {
  const [first, second, third] = ['req-1', 'req-2', 'req-3'].map(attemptOf) as [
    ReadableSpan,
    ReadableSpan,
    ReadableSpan,
  ];
  for (const span of [first, second, third]) expect(attr(span, ATTR_ATTEMPT)).toBe(1);
  // The first two each opened their own connection, and keep their own facts.
  for (const span of [first, second]) {
    expect(attr(span, ATTR_CONNECTION_REUSED)).toBe(false);
    expect(attr(span, ATTR_CONNECTION_REQUESTS)).toBe(1);
    // None of the third's wait, and none of their own: each waited for the connection it opened.
    expect(attr(span, ATTR_CONNECTION_QUEUE_MS)).toBeUndefined();
  }
  expect(attr(first, ATTR_CONNECTION_ID)).not.toBe(attr(second, ATTR_CONNECTION_ID));
  // The third rode the connection of the request that arrived on the same server socket.
  const rode = server.socketOf.get('req-3');
  const owner = server.socketOf.get('req-1') === rode ? first : second;
  expect(server.socketOf.get(owner === first ? 'req-1' : 'req-2')).toBe(rode);
  expect(attr(third, ATTR_CONNECTION_REUSED)).toBe(true);
  expect(attr(third, ATTR_CONNECTION_REQUESTS)).toBe(2);
  expect(attr(third, ATTR_CONNECTION_ID)).toBe(attr(owner, ATTR_CONNECTION_ID));
  // It waited in the Pool until the first held response freed a connection.
  const queueMs = Number(attr(third, ATTR_CONNECTION_QUEUE_MS));
  expect(queueMs).toBeGreaterThanOrEqual(HOLD_MS - 10);
  expect(queueMs).toBeLessThan(HOLD_MS + 100);
  return queueMs;
}

describe('fetch handler: calls that each open their own connection', () => {
  it('eight at once on the default dispatcher: none waited for a pooled connection, none has queue_ms', async () => {
    server = new HoldingServer();
    await server.start();
    const client = createDynamoClient(server.endpoint, { handler: 'fetch', maxAttempts: 1 });
    client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
    await Promise.all(Array.from({ length: 8 }, () => client.send(new PutItemCommand(ITEM))));
    client.destroy();
    expect(server.sockets).toHaveLength(8);
    const spans = spansNamed(tracing.spans(), 'DynamoDB.PutItem attempt');
    expect(spans).toHaveLength(8);
    // undici defers a request with a body by a microtask, so its connect starts after the other calls'
    // synchronous work: that gap is no wait for a pooled connection (node:http's rule for a request
    // that opens a socket), and must not read as one.
    expect(
      spans.map((span) => [attr(span, ATTR_CONNECTION_REUSED), attr(span, ATTR_CONNECTION_QUEUE_MS)]),
    ).toEqual(Array.from({ length: 8 }, () => [false, undefined]));
  });
});

describe('fetch handler: a call waiting in an undici Pool at its connection limit', () => {
  it('Agent({ connections: 2 }), three calls: the third has its own connection facts and its wait', async () => {
    await threeCallsOnTwoConnections();
    checkAttribution();
  });

  it('with metrics: the third call’s wait is the one time_in_queue, equal to its span’s queue_ms', async () => {
    const metrics = createTestMetrics();
    await threeCallsOnTwoConnections(metrics);
    const queueMs = checkAttribution();
    // Every wait on a span is one time_in_queue value, the third's among them.
    const waits = spansNamed(tracing.spans(), 'DynamoDB.PutItem attempt')
      .map((span) => attr(span, ATTR_CONNECTION_QUEUE_MS))
      .filter((ms) => ms !== undefined)
      .map(Number);
    const [wait] = await metrics.points('http.client.request.time_in_queue');
    expect(waits.length).toBe(1);
    expect(wait?.count).toBe(waits.length);
    expect(Math.abs((wait?.sum ?? 0) * 1000 - waits.reduce((sum, ms) => sum + ms, 0))).toBeLessThan(1);
    expect((wait?.sum ?? 0) * 1000).toBeGreaterThan(queueMs - 0.01);
    // Acquiring the connection took the wait (no connect of its own).
    const acquire = await metrics.points('smithy.client.http.connections.acquire_duration');
    expect(Math.max(...acquire.map((point) => point.count))).toBeGreaterThan(0);
    const acquired = acquire.reduce((sum, point) => sum + point.sum, 0);
    expect(acquired * 1000).toBeGreaterThan(queueMs - 0.01);
    await metrics.shutdown();
  });

  it('a fetch of the host’s own queued in the same Pool lands on no call’s attempt', async () => {
    const metrics = createTestMetrics();
    await threeCallsOnTwoConnections(metrics, true);
    const spans = spansNamed(tracing.spans(), 'DynamoDB.PutItem attempt');
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(attr(span, ATTR_CONNECTION_REUSED)).toBe(false);
      expect(attr(span, ATTR_CONNECTION_REQUESTS)).toBe(1);
    }
    // Made in a call's socket context, it names no attempt: one acquire per call, none for it.
    const acquire = await metrics.points('smithy.client.http.connections.acquire_duration');
    expect(acquire.reduce((sum, point) => sum + point.count, 0)).toBe(2);
    await metrics.shutdown();
  });
});
