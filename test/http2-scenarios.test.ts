// Issue 17, "Must be shown by tests": the SDK's NodeHttp2Handler against a misbehaving local HTTP/2
// server (test/support/h2-server.ts), each scenario run twice, with and without the plugin. What the
// application sees (results, errors, attempts) and what the server saw (sessions, streams) are pinned,
// and must be the same on both runs. What the SDK does in each case is pinned as observed on
// @smithy/node-http-handler 4.14 / Node 20, because the facts the plugin records follow from it:
// - GOAWAY on an idle pooled session: the handler drops the session ('goaway' → removeFromPoolAndClose),
//   the next call opens a new one; whatever the code, nothing fails.
// - GOAWAY while a stream is in flight (its id above the GOAWAY's last stream id). Code 0: Node closes
//   the stream with REFUSED_STREAM, which the SDK retries on a new session (@smithy/core's
//   isNodeJsHttp2TransientError). Other codes: Node destroys the session with ERR_HTTP2_SESSION_ERROR,
//   which the SDK does not retry: the call fails. (A GOAWAY sent right after a response races the
//   client's next request: that call runs on a new session or is refused, by timing; not used.)
// - RST_STREAM: only REFUSED_STREAM (7) is retried (on the same pooled session); INTERNAL_ERROR (2) fails
//   the call with ERR_HTTP2_STREAM_ERROR; NO_ERROR (0) before a response fails it with "did not get a
//   response".
// - A TCP reset under a request: ECONNRESET, retried on a new session.
// - A server limit of 1 stream: a warm session queues the client's streams in nghttp2 (one at a time,
//   no error); a cold one (SETTINGS not yet received) sends all three, and the server refuses two
//   (REFUSED_STREAM), which the SDK retries on the same session.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeHttp2Handler, type NodeHttp2HandlerOptions } from '@smithy/node-http-handler';
import { wirescope } from '@wirescope/aws-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { type CallOutcome, outcomeOf, sleep } from './support/fault-matrix.js';
import { H2_CODE, type H2Server, type H2ServerOptions, startH2Server } from './support/h2-server.js';
import { createTestTracing } from './support/otel.js';

const BUCKET = 'h2';
const tracing = createTestTracing();
afterAll(() => tracing.shutdown());

const put = (client: S3Client, key: string) =>
  outcomeOf(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body of ${key}` })));

/** A GetObject whose body is read to its end (and compared): an unread body would hold its stream. */
const get = (client: S3Client, key: string, expected: string) =>
  outcomeOf(
    client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key })).then(async (out) => {
      const body = await out.Body?.transformToString();
      if (body !== expected) throw new Error(`GET ${key} returned ${body}`);
      return out;
    }),
  );

const ok = (attempts = 1): CallOutcome => ({ ok: true, attempts, status: 200 });

/** What the server saw during a scenario. */
interface ServerTruth {
  sessions: number;
  streams: number;
  goaways: readonly number[];
  resets: readonly number[];
  socketsDestroyed: number;
  peakStreams: number;
}

/** One scenario: server, handler options, the calls, and what must come of them. */
interface H2Scenario {
  name: string;
  server?: H2ServerOptions;
  handler?: NodeHttp2HandlerOptions;
  /** Calls made before the counts are reset (a warm session), not part of the outcomes. */
  warm?: (client: S3Client) => Promise<unknown>;
  /** Switches the server's behaviour after the warm-up. */
  arrange?: (server: H2Server) => void;
  calls(client: S3Client): Promise<CallOutcome[]>;
  /** The outcomes, pinned (the SDK's behaviour, see the head of this file). */
  outcomes: CallOutcome[];
  /** The server's own counts after the calls (not the warm-up), pinned; peakStreams only when given. */
  truth: Partial<ServerTruth> & { sessions: number; streams: number };
}

/** A run of one scenario: outcomes, server counts, the spans, and how long the calls took. */
interface H2Run {
  outcomes: CallOutcome[];
  truth: ServerTruth;
  spans: ReadableSpan[];
  elapsedMs: number;
}

/** Runs `scenario` against a fresh server and client, with the plugin (on `tracing`) or without. */
async function runScenario(scenario: H2Scenario, withPlugin: boolean): Promise<H2Run> {
  const server = await startH2Server(scenario.server);
  const client = createS3Client(server.endpoint, { requestHandler: new NodeHttp2Handler(scenario.handler) });
  if (withPlugin) client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  try {
    if (scenario.warm) await scenario.warm(client);
    server.resetCounts();
    scenario.arrange?.(server);
    tracing.reset();
    const start = performance.now();
    const outcomes = await scenario.calls(client);
    const elapsedMs = performance.now() - start;
    // Spans of failed attempts end as the error propagates: give them a tick.
    await sleep(20);
    const truth: ServerTruth = {
      sessions: server.sessions,
      streams: server.streams,
      goaways: [...server.goaways],
      resets: [...server.resets],
      socketsDestroyed: server.socketsDestroyed,
      peakStreams: server.peakStreams,
    };
    return { outcomes, truth, spans: withPlugin ? tracing.spans() : [], elapsedMs };
  } finally {
    client.destroy();
    await server.close();
  }
}

/** Delay of each response in the queueing scenarios, ms. */
const QUEUE_DELAY_MS = 100;

const threeSequentialPuts = async (client: S3Client) => [
  await put(client, 'a'),
  await put(client, 'b'),
  await put(client, 'c'),
];

/** put, idle past the server's GOAWAY, put. */
const putIdlePut = async (client: S3Client) => {
  const first = await put(client, 'first');
  await sleep(300);
  return [first, await put(client, 'second')];
};

const putPut = async (client: S3Client) => [await put(client, 'first'), await put(client, 'second')];
const warmPut = (client: S3Client) => put(client, 'warm');

const SCENARIOS: H2Scenario[] = [
  {
    name: 'pooled: sequential calls share one session',
    calls: async (c) => [
      await put(c, 'a'),
      await get(c, 'a', 'body of a'),
      await put(c, 'b'),
      await get(c, 'b', 'body of b'),
    ],
    outcomes: [ok(), ok(), ok(), ok()],
    truth: { sessions: 1, streams: 4 },
  },
  {
    name: 'pooled: a missing key is a 404 NoSuchKey on the shared session',
    calls: async (c) => [await put(c, 'a'), await get(c, 'missing', '')],
    outcomes: [
      ok(),
      {
        ok: false,
        attempts: 1,
        status: 404,
        errorName: 'NoSuchKey',
        message: 'The specified key does not exist.',
      },
    ],
    truth: { sessions: 1, streams: 2 },
  },
  {
    name: 'disableConcurrentStreams: a session per request',
    handler: { disableConcurrentStreams: true },
    calls: async (c) => [...(await threeSequentialPuts(c)), await put(c, 'd')],
    outcomes: [ok(), ok(), ok(), ok()],
    truth: { sessions: 4, streams: 4 },
  },
  {
    name: 'GOAWAY NO_ERROR on an idle session: the next call opens a new session',
    arrange: (s) => {
      s.behaviour.goaway = { code: H2_CODE.NO_ERROR, when: 100 };
    },
    calls: putIdlePut,
    outcomes: [ok(), ok()],
    truth: { sessions: 2, streams: 2, goaways: [H2_CODE.NO_ERROR] },
  },
  {
    name: 'GOAWAY INTERNAL_ERROR on an idle session: the next call opens a new session',
    arrange: (s) => {
      s.behaviour.goaway = { code: H2_CODE.INTERNAL_ERROR, when: 100 };
    },
    calls: putIdlePut,
    outcomes: [ok(), ok()],
    truth: { sessions: 2, streams: 2, goaways: [H2_CODE.INTERNAL_ERROR] },
  },
  {
    name: 'GOAWAY NO_ERROR on an in-flight stream: refused, retried on a new session',
    arrange: (s) => {
      s.behaviour.goaway = { code: H2_CODE.NO_ERROR, when: 'next-stream' };
    },
    calls: putPut,
    outcomes: [ok(), ok(2)],
    // The server saw the refused stream and sent GOAWAY instead of an answer; the retry ran on a new
    // session, where it was that session's first stream (answered).
    truth: { sessions: 2, streams: 3, goaways: [H2_CODE.NO_ERROR] },
  },
  {
    name: 'GOAWAY INTERNAL_ERROR on an in-flight stream: the call fails, not retried',
    arrange: (s) => {
      s.behaviour.goaway = { code: H2_CODE.INTERNAL_ERROR, when: 'next-stream' };
    },
    calls: putPut,
    outcomes: [
      ok(),
      {
        ok: false,
        attempts: 1,
        status: undefined,
        errorName: 'Error',
        errorCode: 'ERR_HTTP2_SESSION_ERROR',
        message: 'Session closed with error code 2',
      },
    ],
    truth: { sessions: 1, streams: 2, goaways: [H2_CODE.INTERNAL_ERROR] },
  },
  {
    name: 'RST_STREAM REFUSED_STREAM on a reused session: retried on the same session',
    warm: warmPut,
    arrange: (s) => {
      s.behaviour.rstStream = { code: H2_CODE.REFUSED_STREAM, count: 1 };
    },
    calls: async (c) => [await put(c, 'refused once')],
    outcomes: [ok(2)],
    truth: { sessions: 0, streams: 2, resets: [H2_CODE.REFUSED_STREAM] },
  },
  {
    name: 'RST_STREAM INTERNAL_ERROR on a reused session: the call fails, not retried',
    warm: warmPut,
    arrange: (s) => {
      s.behaviour.rstStream = { code: H2_CODE.INTERNAL_ERROR, count: 1 };
    },
    calls: async (c) => [await put(c, 'reset')],
    outcomes: [
      {
        ok: false,
        attempts: 1,
        status: undefined,
        errorName: 'Error',
        errorCode: 'ERR_HTTP2_STREAM_ERROR',
        message: 'Stream closed with error code NGHTTP2_INTERNAL_ERROR',
      },
    ],
    truth: { sessions: 0, streams: 1, resets: [H2_CODE.INTERNAL_ERROR] },
  },
  {
    name: 'RST_STREAM NO_ERROR before a response: the call fails, not retried',
    warm: warmPut,
    arrange: (s) => {
      s.behaviour.rstStream = { code: H2_CODE.NO_ERROR, count: 1 };
    },
    calls: async (c) => [await put(c, 'closed')],
    outcomes: [
      {
        ok: false,
        attempts: 1,
        status: undefined,
        errorName: 'Error',
        message: 'Unexpected error: http2 request did not get a response',
      },
    ],
    truth: { sessions: 0, streams: 1, resets: [H2_CODE.NO_ERROR] },
  },
  {
    name: 'TCP reset under a request on a reused session: ECONNRESET, retried on a new session',
    warm: warmPut,
    arrange: (s) => {
      s.behaviour.destroySocket = { count: 1 };
    },
    calls: async (c) => [await put(c, 'reset socket')],
    outcomes: [ok(2)],
    truth: { sessions: 1, streams: 2, socketsDestroyed: 1 },
  },
  {
    name: 'server maxConcurrentStreams 1, warm session: three concurrent calls queue on it',
    server: { maxConcurrentStreams: 1 },
    warm: warmPut,
    arrange: (s) => {
      s.behaviour.delayMs = QUEUE_DELAY_MS;
    },
    calls: (c) => Promise.all([put(c, 'q1'), put(c, 'q2'), put(c, 'q3')]),
    outcomes: [ok(), ok(), ok()],
    truth: { sessions: 0, streams: 3, peakStreams: 1 },
  },
  {
    name: 'server maxConcurrentStreams 1, cold session: the streams over the limit are refused and retried',
    server: { maxConcurrentStreams: 1 },
    arrange: (s) => {
      s.behaviour.delayMs = QUEUE_DELAY_MS;
    },
    calls: (c) => Promise.all([put(c, 'q1'), put(c, 'q2'), put(c, 'q3')]),
    outcomes: [ok(), ok(2), ok(2)],
    truth: { sessions: 1, streams: 3, peakStreams: 1 },
  },
];

const pick = (truth: ServerTruth, expected: H2Scenario['truth']) =>
  Object.fromEntries(Object.keys(expected).map((key) => [key, truth[key as keyof ServerTruth]]));

describe('HTTP/2 scenarios: the same results, errors and retries with and without the plugin', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const bare = await runScenario(scenario, false);
    expect(bare.outcomes).toEqual(scenario.outcomes);
    expect(pick(bare.truth, scenario.truth)).toEqual(scenario.truth);
    const traced = await runScenario(scenario, true);
    expect(traced.outcomes).toEqual(bare.outcomes);
    expect(traced.truth).toEqual(bare.truth);
    // The plugin traced the calls: one operation span per call.
    const operations = traced.spans.filter((s) => s.name === 'S3.PutObject' || s.name === 'S3.GetObject');
    expect(operations).toHaveLength(scenario.outcomes.length);
  });

  it('queueing costs time: three calls at one stream at a time take three server delays', async () => {
    const scenario = SCENARIOS.find((s) => s.name.startsWith('server maxConcurrentStreams 1, warm'));
    const run = await runScenario(scenario as H2Scenario, false);
    expect(run.elapsedMs).toBeGreaterThanOrEqual(3 * QUEUE_DELAY_MS - 5);
  });
});
