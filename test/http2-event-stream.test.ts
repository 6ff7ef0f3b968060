// Issue 17, second test bullet: one event-stream client over HTTP/2. Kinesis SubscribeToShard against a
// local TLS HTTP/2 server (test/support/event-stream-server.ts) that speaks the awsJson1_1 event-stream
// protocol for one exchange: an initial-response, two SubscribeToShardEvent messages with records, the
// end of the stream.
//
// What the client does on Node by default: KinesisClient's Node runtime config builds
// `NodeHttp2Handler.create(config.requestHandler ?? { ...defaults, disableConcurrentStreams: true })`,
// so every Kinesis operation goes over HTTP/2, one session per request, unless a handler is given; a
// given NodeHttp2Handler instance is used as is. SubscribeToShard has an event-stream output, so the
// SDK passes `isEventStream: true` to the handler, which then opens an isolated session for it
// (`createIsolatedSession`: never pooled, SETTINGS_MAX_CONCURRENT_STREAMS 1) even with concurrent
// streams enabled, closes it once the response starts and destroys it when the stream ends. The test
// passes `new NodeHttp2Handler()` as a user would. The test certificate is trusted through
// NODE_EXTRA_CA_CERTS (test/support/global-setup.ts), which http2.connect honours too.
import {
  KinesisClient,
  type _Record as KinesisRecord,
  ResourceInUseException,
  SubscribeToShardCommand,
  type SubscribeToShardCommandOutput,
} from '@aws-sdk/client-kinesis';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { analyze, wireSpanFromReadable } from '@wirescope/analyzer';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_ATTEMPT,
  ATTR_ATTEMPTS,
  ATTR_AWS_REQUEST_ID,
  ATTR_CLOUD_REGION,
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_REQUESTS,
  ATTR_CONNECTION_REUSED,
  ATTR_EVENT_STREAM,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP2_STREAMS_IN_FLIGHT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_RPC_METHOD,
  ATTR_RPC_SERVICE,
  ATTR_RPC_SYSTEM,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TLS_PROTOCOL_VERSION,
  ATTR_TLS_RESUMED,
  ATTR_TTFB_MS,
  FINDING_CONNECTION_CHURN,
  FINDING_DNS_LOOKUP_PER_CONNECTION,
  HTTP_HANDLER_NODE_HTTP2,
  PHASE_SPAN_NAMES,
  RPC_SYSTEM_AWS_API,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type EventStreamServer,
  type ShardEvent,
  SUBSCRIBE_TO_SHARD_TARGET,
  startEventStreamServer,
} from './support/event-stream-server.js';
import { createTestTracing } from './support/otel.js';
import { allAttributeText, attr, childrenOf, spansNamed } from './support/span-query.js';

const CONSUMER_ARN = 'arn:aws:kinesis:us-east-1:111122223333:stream/orders/consumer/audit:1700000000';
const SHARD_ID = 'shardId-000000000000';
const SECRET_ACCESS_KEY = 'es-test-secret-9f3c1a';

// The records the server injects: two events, three records, bytes that are not all text.
const EVENTS: ShardEvent[] = [
  {
    records: [
      {
        data: Buffer.from('{"order":1}'),
        partitionKey: 'pk-1',
        sequenceNumber: '49590338271490256608559692538361571095921575989136588801',
        arrivalEpochSeconds: 1_700_000_001,
      },
      {
        data: Buffer.from([0, 1, 2, 253, 254, 255]),
        partitionKey: 'pk-2',
        sequenceNumber: '49590338271490256608559692538361571095921575989136588802',
        arrivalEpochSeconds: 1_700_000_002.5,
      },
    ],
    continuationSequenceNumber: '49590338271490256608559692538361571095921575989136588802',
    millisBehindLatest: 1200,
  },
  {
    records: [
      {
        data: Buffer.from('{"order":3}'),
        partitionKey: 'pk-1',
        sequenceNumber: '49590338271490256608559692538361571095921575989136588803',
        arrivalEpochSeconds: 1_700_000_003,
      },
    ],
    continuationSequenceNumber: '49590338271490256608559692538361571095921575989136588803',
    millisBehindLatest: 0,
  },
];

const tracing = createTestTracing({ register: true });
let server: EventStreamServer;

beforeAll(async () => {
  server = await startEventStreamServer({ events: EVENTS, gapMs: 20 });
});
afterAll(async () => {
  await server.close();
  await tracing.shutdown();
});
afterEach(() => tracing.reset());

function createKinesisClient(endpoint = server.endpoint): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEVENTSTREAMTEST', secretAccessKey: SECRET_ACCESS_KEY },
    requestHandler: new NodeHttp2Handler(),
    maxAttempts: 1,
  });
}

/** What the caller sees of one SubscribeToShard call: the result (without the stream) and every event. */
interface Exchange {
  metadata: unknown;
  events: unknown[];
}

const subscribe = (client: KinesisClient) =>
  client.send(
    new SubscribeToShardCommand({
      ConsumerARN: CONSUMER_ARN,
      ShardId: SHARD_ID,
      StartingPosition: { Type: 'TRIM_HORIZON' },
    }),
  );

async function subscribeAndRead(client: KinesisClient): Promise<Exchange> {
  return readToEnd(await subscribe(client));
}

async function readToEnd(output: SubscribeToShardCommandOutput): Promise<Exchange> {
  const events: unknown[] = [];
  if (!output.EventStream) throw new Error('SubscribeToShard: no EventStream');
  for await (const event of output.EventStream) events.push(event);
  const { EventStream: _stream, $metadata, ...rest } = output;
  expect(rest).toEqual({});
  return { metadata: $metadata, events };
}

function recordsOf(events: unknown[]): KinesisRecord[] {
  return events.flatMap(
    (event) =>
      (event as { SubscribeToShardEvent?: { Records?: KinesisRecord[] } }).SubscribeToShardEvent?.Records ??
      [],
  );
}

describe('Kinesis SubscribeToShard over NodeHttp2Handler (local TLS HTTP/2 server)', () => {
  it('reads both events to the end of the stream: the records the server sent, in order', async () => {
    const client = createKinesisClient();
    const before = server.requests.length;
    const sessionsBefore = server.sessions;
    const { metadata, events } = await subscribeAndRead(client);
    client.destroy();

    expect(events).toHaveLength(2);
    const records = recordsOf(events);
    const injected = EVENTS.flatMap((event) => event.records);
    expect(records.map((record) => record.SequenceNumber)).toEqual(injected.map((r) => r.sequenceNumber));
    expect(records.map((record) => record.PartitionKey)).toEqual(injected.map((r) => r.partitionKey));
    expect(records.map((record) => Buffer.from(record.Data ?? []).toString('hex'))).toEqual(
      injected.map((r) => Buffer.from(r.data).toString('hex')),
    );
    expect(records.map((record) => record.ApproximateArrivalTimestamp?.getTime())).toEqual(
      injected.map((r) => r.arrivalEpochSeconds * 1000),
    );
    const first = (events[0] as { SubscribeToShardEvent: Record<string, unknown> }).SubscribeToShardEvent;
    expect(first['ContinuationSequenceNumber']).toBe(EVENTS[0]!.continuationSequenceNumber);
    expect(first['MillisBehindLatest']).toBe(1200);
    expect(metadata).toMatchObject({ httpStatusCode: 200, requestId: `es-${before + 1}`, attempts: 1 });

    // The server's side: one signed awsJson1_1 request on one new h2 session.
    expect(server.requests.slice(before)).toEqual([
      {
        method: 'POST',
        path: '/',
        target: SUBSCRIBE_TO_SHARD_TARGET,
        contentType: 'application/x-amz-json-1.1',
        signed: true,
        body: { ConsumerARN: CONSUMER_ARN, ShardId: SHARD_ID, StartingPosition: { Type: 'TRIM_HORIZON' } },
      },
    ]);
    expect(server.sessions - sessionsBefore).toBe(1);
    expect(server.alpnProtocols.at(-1)).toBe('h2');
  });

  it('the default handler (none given) is HTTP/2 too', async () => {
    const client = new KinesisClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEVENTSTREAMTEST', secretAccessKey: SECRET_ACCESS_KEY },
      maxAttempts: 1,
    });
    const sessionsBefore = server.sessions;
    const { events } = await subscribeAndRead(client);
    client.destroy();
    expect(recordsOf(events)).toHaveLength(3);
    expect(server.sessions - sessionsBefore).toBe(1);
    expect(server.alpnProtocols.at(-1)).toBe('h2');
  });

  it('two subscriptions on one NodeHttp2Handler that pools sessions still open two sessions', async () => {
    const client = createKinesisClient();
    const sessionsBefore = server.sessions;
    const first = await subscribeAndRead(client);
    const second = await subscribeAndRead(client);
    client.destroy();
    expect(recordsOf(first.events)).toHaveLength(3);
    expect(recordsOf(second.events)).toHaveLength(3);
    // isEventStream: an isolated session per call, never taken from or given to the pool.
    expect(server.sessions - sessionsBefore).toBe(2);
  });

  it('the events and the result are identical with and without the plugin', async () => {
    const bare = createKinesisClient();
    const withoutPlugin = await subscribeAndRead(bare);
    bare.destroy();

    const instrumented = createKinesisClient();
    instrumented.middlewareStack.use(wirescope());
    const withPlugin = await subscribeAndRead(instrumented);
    instrumented.destroy();

    // Request ids count the server's requests; everything else must be the same.
    const strip = (exchange: Exchange) => ({
      ...exchange,
      metadata: { ...(exchange.metadata as object), requestId: undefined },
    });
    expect(strip(withPlugin)).toEqual(strip(withoutPlugin));
    expect(recordsOf(withPlugin.events)).toHaveLength(3);
  });

  it('an exception message mid-stream: the same events, then the same modeled error, with and without the plugin', async () => {
    const failing = await startEventStreamServer({
      events: [EVENTS[0]!],
      exception: { type: 'ResourceInUseException', message: 'consumer audit is being deleted' },
    });
    const readUntilError = async (withPlugin: boolean) => {
      const client = createKinesisClient(failing.endpoint);
      if (withPlugin) client.middlewareStack.use(wirescope());
      const events: unknown[] = [];
      let error: unknown;
      try {
        const output = await client.send(
          new SubscribeToShardCommand({
            ConsumerARN: CONSUMER_ARN,
            ShardId: SHARD_ID,
            StartingPosition: { Type: 'LATEST' },
          }),
        );
        for await (const event of output.EventStream ?? []) events.push(event);
      } catch (caught) {
        error = caught;
      } finally {
        client.destroy();
      }
      return { events, error };
    };
    try {
      const bare = await readUntilError(false);
      const instrumented = await readUntilError(true);
      expect(bare.error).toBeInstanceOf(ResourceInUseException);
      expect(instrumented.error).toBeInstanceOf(ResourceInUseException);
      const facts = (error: unknown) => {
        const e = error as ResourceInUseException;
        return { name: e.name, message: e.message, fault: e.$fault };
      };
      expect(facts(instrumented.error)).toEqual({
        name: 'ResourceInUseException',
        message: 'consumer audit is being deleted',
        fault: 'client',
      });
      expect(facts(instrumented.error)).toEqual(facts(bare.error));
      expect(instrumented.events).toEqual(bare.events);
      expect(recordsOf(instrumented.events).map((record) => record.SequenceNumber)).toEqual(
        EVENTS[0]!.records.map((record) => record.sequenceNumber),
      );
    } finally {
      await failing.close();
    }
  });

  it('gives the operation span Kinesis.SubscribeToShard and one attempt span under it, no secret in them', async () => {
    const client = createKinesisClient();
    client.middlewareStack.use(wirescope());
    const requestId = `es-${server.requests.length + 1}`;
    const { events } = await subscribeAndRead(client);
    client.destroy();
    expect(recordsOf(events)).toHaveLength(3);

    const spans = tracing.spans();
    const ops = spansNamed(spans, 'Kinesis.SubscribeToShard');
    expect(ops).toHaveLength(1);
    const op = ops[0]!;
    expect(attr(op, ATTR_RPC_SYSTEM)).toBe(RPC_SYSTEM_AWS_API);
    expect(attr(op, ATTR_RPC_SERVICE)).toBe('Kinesis');
    expect(attr(op, ATTR_RPC_METHOD)).toBe('SubscribeToShard');
    expect(attr(op, ATTR_ATTEMPTS)).toBe(1);
    expect(attr(op, ATTR_AWS_REQUEST_ID)).toBe(requestId);
    // Kinesis's SigV4 auth option carries `{ name, region }` (no ruleset signingRegion) and the host,
    // localhost, names no region: cloud.region comes from the auth option's region.
    expect(attr(op, ATTR_CLOUD_REGION)).toBe('us-east-1');
    // The SDK runs it as an event stream (its own session by design): the analyzer reads this.
    expect(attr(op, ATTR_EVENT_STREAM)).toBe(true);
    const attempts = childrenOf(spans, op);
    expect(attempts.map((span) => span.name)).toEqual(['Kinesis.SubscribeToShard attempt']);
    const attempt = attempts[0]!;
    expect(attr(attempt, ATTR_ATTEMPT)).toBe(1);
    expect(attr(attempt, ATTR_HTTP_RESPONSE_STATUS_CODE)).toBe(200);
    expect(attr(attempt, ATTR_SERVER_ADDRESS)).toBe('localhost');
    expect(attr(attempt, ATTR_SERVER_PORT)).toBe(server.port);
    const text = allAttributeText(spans);
    expect(text).not.toContain(SECRET_ACCESS_KEY);
    expect(text).not.toMatch(/AWS4-HMAC-SHA256|Signature=/);
  });
});

// Session facts from the HTTP/2 producer (packages/instrumentation-http/src/http2-*.ts): an event
// stream never shares a session, so every subscription pays its own DNS, TCP and TLS.
describe('Kinesis SubscribeToShard: session facts on the isolated HTTP/2 session', () => {
  const phasesOf = (spans: readonly ReadableSpan[], attempt: ReadableSpan) =>
    childrenOf(spans, attempt)
      .map((span) => span.name)
      .filter((name) => (PHASE_SPAN_NAMES as readonly string[]).includes(name))
      .sort();

  it('each subscription runs on a new session of its own: not reused, dns/tcp/tls under its attempt, h2', async () => {
    const client = createKinesisClient();
    client.middlewareStack.use(wirescope());
    const sessionsBefore = server.sessions;
    await subscribeAndRead(client);
    await subscribeAndRead(client);
    client.destroy();
    expect(server.sessions - sessionsBefore).toBe(2);

    const spans = tracing.spans();
    const attempts = spansNamed(spans, 'Kinesis.SubscribeToShard attempt');
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) {
      expect(attr(attempt, ATTR_CONNECTION_REUSED)).toBe(false);
      expect(attr(attempt, ATTR_NETWORK_PROTOCOL_VERSION)).toBe('2');
      expect(attr(attempt, ATTR_HTTP_HANDLER)).toBe(HTTP_HANDLER_NODE_HTTP2);
      expect(attr(attempt, ATTR_CONNECTION_ID)).toEqual(expect.any(String));
      // localhost is a name: each new session pays its own lookup, connect and handshake.
      expect(phasesOf(spans, attempt)).toEqual([SPAN_DNS_LOOKUP, SPAN_TCP_CONNECT, SPAN_TLS_HANDSHAKE]);
      expect(attr(attempt, ATTR_CONNECTION_REQUESTS)).toBe(1);
      expect(attr(attempt, ATTR_HTTP2_STREAMS_IN_FLIGHT)).toBe(0);
      expect(attr(attempt, ATTR_TLS_RESUMED)).toBe(false);
      // A new session's attempt links to no other attempt.
      expect(attempt.links).toEqual([]);
      const phases = childrenOf(spans, attempt).filter((span) =>
        phasesOf(spans, attempt).includes(span.name),
      );
      expect(phases.map((span) => attr(span, ATTR_CONNECTION_ID))).toEqual(
        phases.map(() => attr(attempt, ATTR_CONNECTION_ID)),
      );
      const [handshake] = phases.filter((span) => span.name === SPAN_TLS_HANDSHAKE);
      expect(attr(handshake!, ATTR_TLS_PROTOCOL_VERSION)).toBe('1.3');
      expect(attr(handshake!, ATTR_NETWORK_PROTOCOL_VERSION)).toBe('2');
    }
    // Two sessions, two ids, two handshakes: as many as the server accepted.
    expect(new Set(attempts.map((attempt) => attr(attempt, ATTR_CONNECTION_ID))).size).toBe(2);
    expect(spansNamed(spans, SPAN_TLS_HANDSHAKE)).toHaveLength(server.sessions - sessionsBefore);
  });

  it('the analyzer: a session per subscription is how event streams work, not churn or a lookup per connection', async () => {
    const client = createKinesisClient();
    client.middlewareStack.use(wirescope());
    for (let i = 0; i < 5; i++) await subscribeAndRead(client);
    client.destroy();
    const spans = tracing.spans();
    expect(spansNamed(spans, SPAN_TLS_HANDSHAKE)).toHaveLength(5);
    const codes = (await analyze(spans.map((span) => wireSpanFromReadable(span)))).findings.map(
      (f) => f.code,
    );
    expect(codes).not.toContain(FINDING_CONNECTION_CHURN);
    expect(codes).not.toContain(FINDING_DNS_LOOKUP_PER_CONNECTION);
    // Without the plugin's event-stream mark (and with an operation name the analyzer's list does not
    // know), the same five sessions would be churn: the mark is what the rule reads.
    const unmarked = spans.map((span) => {
      const wire = wireSpanFromReadable(span);
      if (wire.name !== 'Kinesis.SubscribeToShard') return wire;
      const { [ATTR_EVENT_STREAM]: _mark, ...attributes } = wire.attributes;
      return {
        ...wire,
        name: 'Kinesis.SubscribeToNewThing',
        attributes: { ...attributes, [ATTR_RPC_METHOD]: 'SubscribeToNewThing' },
      };
    });
    const unmarkedCodes = (await analyze(unmarked)).findings.map((f) => f.code);
    expect(unmarkedCodes).toContain(FINDING_CONNECTION_CHURN);
  });

  it('the client closes each session once its stream ends, with the plugin as without (nothing kept open)', async () => {
    for (const withPlugin of [false, true]) {
      const client = createKinesisClient();
      if (withPlugin) client.middlewareStack.use(wirescope());
      // The earlier tests' sessions close on the server a moment after their clients were destroyed.
      await vi.waitFor(() => expect(server.openSessions).toBe(0), { timeout: 2_000, interval: 10 });
      const sessionsBefore = server.sessions;
      await subscribeAndRead(client);
      expect(server.sessions - sessionsBefore).toBe(1);
      // Not client.destroy(): the handler's own end-of-stream close must be enough.
      await vi.waitFor(() => expect(server.openSessions).toBe(0), { timeout: 2_000, interval: 10 });
      client.destroy();
    }
  });

  it('send() resolves on the initial-response, its spans already ended, before the server sends any event', async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held = await startEventStreamServer({ events: EVENTS, holdEvents: () => released });
    const client = createKinesisClient(held.endpoint);
    client.middlewareStack.use(wirescope());
    try {
      const output = await subscribe(client);
      // The plugin neither waits for the stream nor reads it: the caller has the stream, no event sent.
      expect(held.eventsSent).toBe(0);
      const spans = tracing.spans();
      expect(spansNamed(spans, 'Kinesis.SubscribeToShard')).toHaveLength(1);
      const [attempt] = spansNamed(spans, 'Kinesis.SubscribeToShard attempt');
      expect(attr(attempt!, ATTR_HTTP_RESPONSE_STATUS_CODE)).toBe(200);
      expect(attr(attempt!, ATTR_CONNECTION_REUSED)).toBe(false);
      expect(attr(attempt!, ATTR_TTFB_MS)).toEqual(expect.any(Number));
      release();
      const { events } = await readToEnd(output);
      expect(recordsOf(events).map((record) => record.SequenceNumber)).toEqual(
        EVENTS.flatMap((event) => event.records.map((record) => record.sequenceNumber)),
      );
      expect(held.eventsSent).toBe(2);
    } finally {
      release();
      client.destroy();
      await held.close();
    }
  });
});
