// Issue 14 on FetchHttpHandler: the queued state of `smithy.client.http.requests.usage` and
// `smithy.client.http.connections.limit`, against what the test made undici do. Real DynamoDB clients
// with FetchHttpHandler (Node's global fetch, i.e. its bundled undici) and the plugin, a real
// MeterProvider, a small DynamoDB-shaped HTTP server on loopback that holds the requests the test
// asks it to, and real undici Agents set as the global dispatcher (restored after each test): Node's
// bundled one (undici 6, the default's own class) and the undici package's (7).
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { FetchHttpHandler } from '@smithy/fetch-http-handler';
import { wirescope } from '@wirescope/aws-sdk';
import { ATTR_CONNECTION_QUEUE_MS, ATTR_CONNECTION_REUSED } from '@wirescope/semconv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient, createS3Client, type TestClientOptions } from '../support/clients.js';
import { createTestMetrics, type TestMetrics, total } from '../support/metrics.js';
import { createTestTracing } from '../support/otel.js';
import { attr, spansNamed } from '../support/span-query.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { testCertificate } from '../support/tls-cert.js';

const DISPATCHER = Symbol.for('undici.globalDispatcher.1');
const slot = globalThis as unknown as Record<symbol, unknown>;
const tracing = createTestTracing();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ITEM = { TableName: 't', Item: { k: { S: 'v' } } };

/** A request the server holds until released, or destroys. */
interface Held {
  readonly arrived: Promise<void>;
  release(): void;
  /** Destroys the held request's connection (no response). */
  destroy(): void;
}

/** Answers every request as DynamoDB answers PutItem (`{}`); `hold()` holds the next one to arrive. */
class DynamoShapedServer {
  readonly server: http.Server;
  readonly sockets = new Set<Socket>();
  requests = 0;
  #holds: Array<{ resolveArrived: () => void; gate: Promise<'release' | 'destroy'> }> = [];
  /** Answer with `Connection: close` (undici then reconnects for whatever waits). */
  closeAfterEach = false;

  /** `tls`: HTTPS with the test certificate (for `localhost`), else plain HTTP. */
  constructor(tls = false) {
    const answer = (req: http.IncomingMessage, res: http.ServerResponse) => void this.#answer(req, res);
    this.server = tls ? https.createServer(testCertificate(), answer) : http.createServer(answer);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server.on(
      this.server instanceof https.Server ? 'secureConnection' : 'connection',
      (socket: Socket) => {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
      },
    );
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
  }

  hold(): Held {
    let resolveArrived = () => {};
    const arrived = new Promise<void>((resolve) => {
      resolveArrived = resolve;
    });
    let settle: (how: 'release' | 'destroy') => void = () => {};
    const gate = new Promise<'release' | 'destroy'>((resolve) => {
      settle = resolve;
    });
    this.#holds.push({ resolveArrived, gate });
    return { arrived, release: () => settle('release'), destroy: () => settle('destroy') };
  }

  async #answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.requests += 1;
    for await (const _ of req);
    const held = this.#holds.shift();
    if (held) {
      held.resolveArrived();
      if ((await held.gate) === 'destroy') {
        req.socket.destroy();
        return;
      }
    }
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': `req-${this.requests}`,
    };
    if (this.closeAfterEach) headers['connection'] = 'close';
    res.writeHead(200, headers).end('{}');
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
  }
}

const server = new DynamoShapedServer();
/** Node's bundled undici Agent class (the default global dispatcher's) and the undici package's. */
let BundledAgent: new (options: { connections?: number }) => { close(): Promise<void> };
let PackageAgent: typeof import('undici').Agent;
let previous: unknown;
const agents: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  await server.start();
  // Node makes its global dispatcher when fetch first loads; the undici package installs its own only
  // when none is there yet, so the default stays Node's own (checked below).
  await fetch('data:,');
  previous = slot[DISPATCHER];
  BundledAgent = (previous as { constructor: typeof BundledAgent }).constructor;
  ({ Agent: PackageAgent } = await import('undici'));
});

afterEach(async () => {
  slot[DISPATCHER] = previous;
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
  server.closeAfterEach = false;
  tracing.reset();
});

afterAll(() => server.close());

/** Closes `agent` after this test, without installing it. */
function useDispatcherless<T extends { close(): Promise<void> }>(agent: T): T {
  agents.push(agent);
  return agent;
}

/** Installs `agent` as the global dispatcher for this test. */
function useDispatcher<T extends { close(): Promise<void> }>(agent: T): T {
  agents.push(agent);
  slot[DISPATCHER] = agent;
  return agent;
}

/** A DynamoDB client on FetchHttpHandler with the plugin, one attempt per call. */
function meteredClient(metrics: TestMetrics, endpoint = server.endpoint, options: TestClientOptions = {}) {
  const client = createDynamoClient(endpoint, { handler: 'fetch', maxAttempts: 1, ...options });
  client.middlewareStack.use(
    wirescope({ tracerProvider: tracing.provider, meterProvider: metrics.provider }),
  );
  return client;
}

/** `[queued, in-flight]` of `smithy.client.http.requests.usage`, as a collection reads them. */
async function usage(metrics: TestMetrics): Promise<[number, number]> {
  const points = await metrics.points('smithy.client.http.requests.usage');
  return [total(points, { state: 'queued' }), total(points, { state: 'in-flight' })];
}

/** Polls until the usage reads `expected` (or 2 s pass): the moment a request reached its state. */
async function untilUsage(metrics: TestMetrics, expected: [number, number]): Promise<[number, number]> {
  const deadline = Date.now() + 2000;
  let read = await usage(metrics);
  while ((read[0] !== expected[0] || read[1] !== expected[1]) && Date.now() < deadline) {
    await sleep(5);
    read = await usage(metrics);
  }
  return read;
}

/**
 * A first call held by `on` and a second queued behind it on the one connection, once the gauge reads
 * queued 1 / in flight 1.
 */
async function queueBehindHeld(
  metrics: TestMetrics,
  client: ReturnType<typeof meteredClient>,
  on: { hold(): Held } = server,
  options?: { abortSignal?: AbortSignal },
) {
  const first = on.hold();
  const call1 = client.send(new PutItemCommand(ITEM));
  await first.arrived;
  const call2 = client.send(new PutItemCommand(ITEM), options);
  expect(await untilUsage(metrics, [1, 1])).toEqual([1, 1]);
  return { first, call1, call2 };
}

async function limits(metrics: TestMetrics): Promise<Array<[unknown, number]>> {
  const points = await metrics.points('smithy.client.http.connections.limit');
  return points.map((point) => [point.attributes, point.value]);
}

const attempts = (): ReadableSpan[] => spansNamed(tracing.spans(), 'DynamoDB.PutItem attempt');

describe('fetch handler: queued requests and the connection limit', () => {
  it('the default dispatcher is Node’s own undici, not the package’s', () => {
    expect(previous).toBeInstanceOf(BundledAgent);
    expect(previous).not.toBeInstanceOf(PackageAgent);
  });

  it('Agent({ connections: 1 }), first response held: the second call reads queued, then in flight', async () => {
    const metrics = createTestMetrics();
    useDispatcher(new BundledAgent({ connections: 1 }));
    const client = meteredClient(metrics);
    const before = server.requests;
    const first = server.hold();
    const call1 = client.send(new PutItemCommand(ITEM));
    await first.arrived;
    expect(await usage(metrics)).toEqual([0, 1]);
    const call2 = client.send(new PutItemCommand(ITEM));
    // Created by undici and waiting behind the first on the one connection: queued, not in flight.
    expect(await untilUsage(metrics, [1, 1])).toEqual([1, 1]);
    await sleep(150);
    expect(await usage(metrics)).toEqual([1, 1]);
    // The Client the Agent made for the origin holds one connection.
    expect(await limits(metrics)).toEqual([[{ 'server.address': '127.0.0.1' }, 1]]);
    first.release();
    await Promise.all([call1, call2]);
    expect(await usage(metrics)).toEqual([0, 0]);
    expect(server.requests - before).toBe(2);

    // One wait, the second call's, the same number as its span's inferred queue_ms.
    const [wait] = await metrics.points('http.client.request.time_in_queue');
    expect(wait?.count).toBe(1);
    expect(wait?.sum).toBeGreaterThanOrEqual(0.14);
    const queued = attempts().filter((span) => attr(span, ATTR_CONNECTION_QUEUE_MS) !== undefined);
    expect(queued).toHaveLength(1);
    expect(attr(queued[0] as ReadableSpan, ATTR_CONNECTION_REUSED)).toBe(true);
    expect(
      Math.abs((wait?.sum ?? 0) * 1000 - Number(attr(queued[0] as ReadableSpan, ATTR_CONNECTION_QUEUE_MS))),
    ).toBeLessThan(1);
    client.destroy();
    await metrics.shutdown();
  });

  it('the default dispatcher (no limit): concurrent calls each open a connection, never queued, no limit series', async () => {
    const metrics = createTestMetrics();
    const client = meteredClient(metrics);
    const first = server.hold();
    const second = server.hold();
    const calls = [client.send(new PutItemCommand(ITEM)), client.send(new PutItemCommand(ITEM))];
    await Promise.all([first.arrived, second.arrived]);
    // Each waited for its own new connection (not for a pooled one): both in flight, none queued.
    expect(await usage(metrics)).toEqual([0, 2]);
    expect(await limits(metrics)).toEqual([]);
    first.release();
    second.release();
    await Promise.all(calls);
    expect(await usage(metrics)).toEqual([0, 0]);
    expect(await limits(metrics)).toEqual([]);
    client.destroy();
    await metrics.shutdown();
  });

  it.each([
    ['the default dispatcher: each call opens its own, neither is queued', undefined, [0, 0]],
    ['Agent({ connections: 1 }): the second waits for the first one’s, queued', 1, [1, 0]],
  ] as const)(
    'two calls while a connection takes 300+ ms to open: %s',
    async (_name, connections, during) => {
      const metrics = createTestMetrics();
      if (connections) useDispatcher(new BundledAgent({ connections }));
      const tls = new DynamoShapedServer(true);
      await tls.start();
      // Each TLS round trip through the proxy pays 2 × 100 ms: the handshake outlasts the reads below.
      const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: tls.port }, latencyMs: 100 });
      const client = meteredClient(metrics, `https://localhost:${proxy.port}`);
      const call1 = client.send(new PutItemCommand(ITEM));
      while (proxy.connectionsAccepted < 1) await sleep(2);
      const call2 = client.send(new PutItemCommand(ITEM));
      await sleep(50);
      // Waiting for a connection opened for it is not a queue wait; nothing is written yet.
      expect(await usage(metrics)).toEqual(during);
      await Promise.all([call1, call2]);
      expect(await usage(metrics)).toEqual([0, 0]);
      expect(proxy.connectionsAccepted).toBe(connections ? 1 : 2);
      client.destroy();
      await proxy.close();
      await tls.close();
      await metrics.shutdown();
    },
  );

  // GetObject: Node 20's fetch hands the undici package's (7) dispatcher a content-length its Request
  // refuses (UND_ERR_INVALID_ARG), so calls with a body cannot go through that one.
  it.each([
    ['Node’s undici, Pool', () => new BundledAgent({ connections: 3 }), 3],
    ['Node’s undici, Client', () => new BundledAgent({ connections: 1 }), 1],
    ['the undici package, Pool', () => new PackageAgent({ connections: 3 }), 3],
    ['the undici package, Client', () => new PackageAgent({ connections: 1 }), 1],
  ])('the limit of the global dispatcher’s pool: %s', async (_name, make, limit) => {
    const metrics = createTestMetrics();
    useDispatcher(make());
    const client = createS3Client(server.endpoint, { handler: 'fetch', maxAttempts: 1 });
    client.middlewareStack.use(
      wirescope({ tracerProvider: tracing.provider, meterProvider: metrics.provider }),
    );
    for (let i = 0; i < 2; i++) {
      const object = await client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
      await object.Body?.transformToString();
    }
    expect(await limits(metrics)).toEqual([[{ 'server.address': '127.0.0.1' }, limit]]);
    expect(await usage(metrics)).toEqual([0, 0]);
    client.destroy();
    await metrics.shutdown();
  });

  it('a connection another dispatcher opens to the same origin takes no queued request out', async () => {
    const metrics = createTestMetrics();
    useDispatcher(new BundledAgent({ connections: 1 }));
    const own = useDispatcherless(new BundledAgent({}));
    const client = meteredClient(metrics);
    // The same endpoint through a dispatcher of its own (fetch's `dispatcher` option).
    const other = meteredClient(metrics, server.endpoint, {
      requestHandler: new FetchHttpHandler({ requestInit: () => ({ dispatcher: own }) as RequestInit }),
    });
    const { first, call1, call2 } = await queueBehindHeld(metrics, client);
    // Its connect runs in its own call's context: it is that call's, not the queued one's.
    await other.send(new PutItemCommand(ITEM));
    expect(await usage(metrics)).toEqual([1, 1]);
    // Its connection is not the global dispatcher's: it brings no limit.
    expect(await limits(metrics)).toEqual([[{ 'server.address': '127.0.0.1' }, 1]]);
    first.release();
    await Promise.all([call1, call2]);
    expect(await usage(metrics)).toEqual([0, 0]);
    client.destroy();
    other.destroy();
    await metrics.shutdown();
  });

  it('a global dispatcher that refuses to be read: the calls go on, no limit, counts back to 0', async () => {
    const metrics = createTestMetrics();
    const agent = useDispatcherless(new BundledAgent({ connections: 2 }));
    slot[DISPATCHER] = new Proxy(agent, {
      ownKeys() {
        throw new Error('not today');
      },
    });
    const client = meteredClient(metrics);
    await client.send(new PutItemCommand(ITEM));
    await client.send(new PutItemCommand(ITEM));
    expect(await limits(metrics)).toEqual([]);
    expect(await usage(metrics)).toEqual([0, 0]);
    client.destroy();
    await metrics.shutdown();
  });

  it('a connect that fails under a queued request: both fail, both counted out once', async () => {
    const metrics = createTestMetrics();
    useDispatcher(new BundledAgent({ connections: 1 }));
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const client = meteredClient(metrics, `http://127.0.0.1:${port}`);
    const results = await Promise.allSettled([
      client.send(new PutItemCommand(ITEM)),
      client.send(new PutItemCommand(ITEM)),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(await usage(metrics)).toEqual([0, 0]);
    client.destroy();
    await metrics.shutdown();
  });

  it('a queued call aborted by its caller: counted until undici drops it, then out once', async () => {
    const metrics = createTestMetrics();
    useDispatcher(new BundledAgent({ connections: 1 }));
    const client = meteredClient(metrics);
    const before = server.requests;
    const abort = new AbortController();
    const { first, call1, call2 } = await queueBehindHeld(metrics, client, server, {
      abortSignal: abort.signal,
    });
    abort.abort();
    await expect(call2).rejects.toThrow();
    // undici keeps the aborted request in its Client's queue until the connection frees up.
    expect(await usage(metrics)).toEqual([1, 1]);
    first.release();
    await call1;
    expect(await untilUsage(metrics, [0, 0])).toEqual([0, 0]);
    // The aborted request was never written.
    expect(server.requests - before).toBe(1);
    client.destroy();
    await metrics.shutdown();
  });

  it('the connection under a queued request is destroyed: the first fails, the second reconnects', async () => {
    const metrics = createTestMetrics();
    useDispatcher(new BundledAgent({ connections: 1 }));
    const client = meteredClient(metrics);
    const { first, call1, call2 } = await queueBehindHeld(metrics, client);
    first.destroy();
    const results = await Promise.allSettled([call1, call2]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled']);
    expect(await usage(metrics)).toEqual([0, 0]);
    client.destroy();
    await metrics.shutdown();
  });

  it('Connection: close under a queued request: undici reconnects for it, and its wait ends there', async () => {
    const metrics = createTestMetrics();
    useDispatcher(new BundledAgent({ connections: 1 }));
    const tls = new DynamoShapedServer(true);
    tls.closeAfterEach = true;
    await tls.start();
    const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: tls.port }, latencyMs: 100 });
    const client = meteredClient(metrics, `https://localhost:${proxy.port}`);
    const { first, call1, call2 } = await queueBehindHeld(metrics, client, tls);
    await sleep(50);
    first.release();
    await call1;
    // undici reconnects for the second from the closed socket's callback (not the second's context):
    // from the connect's start it waits for a connection opened for it, as the span counts it.
    while (proxy.connectionsAccepted < 2) await sleep(2);
    expect(await usage(metrics)).toEqual([0, 0]);
    await call2;
    expect(await usage(metrics)).toEqual([0, 0]);
    const spans = attempts();
    expect(spans.map((span) => attr(span, ATTR_CONNECTION_REUSED))).toEqual([false, false]);
    const [wait] = await metrics.points('http.client.request.time_in_queue');
    expect(wait?.count).toBe(1);
    // Behind the first (held 50 ms, its response 100 ms on the way back), not the 300+ ms reconnect.
    expect(wait?.sum).toBeGreaterThanOrEqual(0.14);
    expect(wait?.sum).toBeLessThan(0.3);
    const queueMs = spans.map((span) => attr(span, ATTR_CONNECTION_QUEUE_MS)).find((ms) => ms !== undefined);
    expect(Math.abs((wait?.sum ?? 0) * 1000 - Number(queueMs))).toBeLessThan(1);
    client.destroy();
    await proxy.close();
    await tls.close();
    await metrics.shutdown();
  });
});
