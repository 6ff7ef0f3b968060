// Issue 17: the plugin on NodeHttp2Handler never breaks the host, proven from outside as
// test/node-fail-safe.test.ts does for node:https: a tracer provider, tracer, spans or span processor
// that throw, and the same HTTP/2 workload (pooled calls, a 404, a refused stream, a TCP reset, a GOAWAY
// on an in-flight stream, an isolated session) returns exactly what it returns without the plugin,
// with the same sessions and streams on the server and nothing reaching the host.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { TracerProvider } from '@opentelemetry/api';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { wirescope } from '@wirescope/aws-sdk';
import { describe, expect, it } from 'vitest';
import { createS3Client, TEST_CREDENTIALS } from './support/clients.js';
import { providerThatThrows, providerWithThrowingTracer, settle, watchHost } from './support/fail-safe.js';
import { type CallOutcome, outcomeOf } from './support/fault-matrix.js';
import {
  faultyProvider,
  providerWithThrowingProcessor,
  SOCKET_LAYER_SPANS,
  SPAN_METHODS,
} from './support/faulty-otel.js';
import { H2_CODE, startH2Server } from './support/h2-server.js';
import { createTestTracing } from './support/otel.js';
import { allAttributeText } from './support/span-query.js';

const BUCKET = 'h2-fail-safe';
const { diagMessages, hostFailures } = watchHost();
const HTTP = '@wirescope/instrumentation-http';

/** Whether the HTTP/2 socket layer logged that each of its phase spans failed with `error`. */
const phasesLogged = (error: string) =>
  ['dns lookup failed', 'tcp connect failed', 'tls handshake failed'].every((what) =>
    diagMessages.some((m) => m.startsWith(HTTP) && m.includes(what) && m.includes(error)),
  );

/** What the host sees of the workload, and what the server saw. */
interface WorkloadResult {
  outcomes: CallOutcome[];
  body: string | undefined;
  sessions: number;
  streams: number;
}

const put = (client: S3Client, key: string) =>
  outcomeOf(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `body of ${key}` })));

/** The workload on a fresh server, with `provider` given to the plugin, or with no plugin. */
async function workload(provider: TracerProvider | undefined): Promise<WorkloadResult> {
  const server = await startH2Server();
  const clientOf = (disableConcurrentStreams: boolean) => {
    const client = createS3Client(server.endpoint, {
      requestHandler: new NodeHttp2Handler({ disableConcurrentStreams }),
    });
    if (provider) client.middlewareStack.use(wirescope({ tracerProvider: provider }));
    return client;
  };
  const pooled = clientOf(false);
  const isolated = clientOf(true);
  try {
    const outcomes: CallOutcome[] = [await put(pooled, 'obj')];
    let body: string | undefined;
    outcomes.push(
      await outcomeOf(
        pooled.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'obj' })).then(async (out) => {
          body = await out.Body?.transformToString();
          return out;
        }),
      ),
    );
    outcomes.push(await outcomeOf(pooled.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing' }))));
    server.behaviour.rstStream = { code: H2_CODE.REFUSED_STREAM, count: 1 };
    outcomes.push(await put(pooled, 'refused once'));
    server.behaviour.destroySocket = { count: 1 };
    outcomes.push(await put(pooled, 'reset once'));
    server.behaviour.goaway = { code: H2_CODE.NO_ERROR, when: 'next-stream' };
    outcomes.push(await put(pooled, 'goaway'));
    delete server.behaviour.goaway;
    server.behaviour.rstStream = { code: H2_CODE.INTERNAL_ERROR, count: 1 };
    outcomes.push(await put(pooled, 'internal error'));
    outcomes.push(await put(isolated, 'isolated'));
    return { outcomes, body, sessions: server.sessions, streams: server.streams };
  } finally {
    pooled.destroy();
    isolated.destroy();
    await server.close();
  }
}

const ok = (attempts = 1): CallOutcome => ({ ok: true, attempts, status: 200 });

/** The workload's result without the plugin, pinned (see test/http2-scenarios.test.ts for why). */
const EXPECTED: WorkloadResult = {
  outcomes: [
    ok(),
    ok(),
    {
      ok: false,
      attempts: 1,
      status: 404,
      errorName: 'NoSuchKey',
      message: 'The specified key does not exist.',
    },
    ok(2),
    ok(2),
    ok(2),
    {
      ok: false,
      attempts: 1,
      status: undefined,
      errorName: 'Error',
      errorCode: 'ERR_HTTP2_STREAM_ERROR',
      message: 'Stream closed with error code NGHTTP2_INTERNAL_ERROR',
    },
    ok(),
  ],
  body: 'body of obj',
  // The first session, the one after the TCP reset, the one after the GOAWAY, the isolated one.
  sessions: 4,
  // 8 calls, 3 of them with a second attempt.
  streams: 11,
};

/** Runs the workload under `provider`: the same result as without the plugin, nothing reaches the host. */
async function underFault(provider: TracerProvider) {
  const bare = await workload(undefined);
  expect(bare).toEqual(EXPECTED);
  diagMessages.length = 0;
  const traced = await workload(provider);
  expect(traced).toEqual(bare);
  await settle();
  expect(hostFailures).toEqual([]);
}

describe('fail-safe on NodeHttp2Handler', () => {
  it.each([
    ['getTracer throws', providerThatThrows],
    ['startSpan throws', providerWithThrowingTracer],
  ])(
    '%s: every call returns what it returns without the plugin, and diag says why',
    async (_name, provider) => {
      await underFault(provider);
      expect(diagMessages.some((m) => m.includes('tracer exploded'))).toBe(true);
    },
  );

  it('spans throw on every method: the same results, every throw logged', async () => {
    const faulty = faultyProvider({ methods: SPAN_METHODS });
    await underFault(faulty.provider);
    expect(faulty.thrown.size).toBeGreaterThan(0);
    expect(phasesLogged('span exploded on end')).toBe(true);
    for (const method of faulty.thrown.keys()) {
      expect(
        diagMessages.some((m) => m.includes(`span exploded on ${method}`)),
        method,
      ).toBe(true);
    }
  });

  it('spans throw on every method when the socket layer calls them: the same results, the operation traced', async () => {
    const faulty = faultyProvider({ methods: SPAN_METHODS, from: '/instrumentation-http/src/' });
    await underFault(faulty.provider);
    expect(faulty.thrown.size).toBeGreaterThan(0);
    for (const method of faulty.thrown.keys()) {
      expect(diagMessages.some((m) => m.startsWith(HTTP) && m.includes(`span exploded on ${method}`))).toBe(
        true,
      );
    }
    expect(phasesLogged('span exploded on end')).toBe(true);
    expect(faulty.spans().filter((s) => s.name === 'S3.PutObject')).toHaveLength(6);
  });

  it('startSpan throws for the phase and body spans only: the same results, the operations traced', async () => {
    const faulty = faultyProvider({ startSpanFor: SOCKET_LAYER_SPANS });
    await underFault(faulty.provider);
    // dns, tcp and tls of each of the 4 sessions.
    expect(faulty.thrown.get('startSpan')).toBeGreaterThanOrEqual(12);
    expect(phasesLogged('span exploded on startSpan')).toBe(true);
    expect(faulty.spans().filter((s) => s.name === 'S3.PutObject')).toHaveLength(6);
    expect(faulty.spans().filter((s) => SOCKET_LAYER_SPANS.includes(s.name))).toEqual([]);
  });

  it.each(['onStart', 'onEnd'] as const)(
    'a span processor throws in %s: the same results, nothing reaches the host, diag says why',
    async (hook) => {
      const { provider, thrown } = providerWithThrowingProcessor(hook);
      await underFault(provider);
      expect(thrown()).toBeGreaterThan(0);
      expect(diagMessages.some((m) => m.includes(`processor exploded on ${hook}`))).toBe(true);
      // onEnd throws out of every phase span's end(): the HTTP/2 hooks catch it and say which.
      if (hook === 'onEnd') expect(phasesLogged('processor exploded on onEnd')).toBe(true);
    },
  );
});

describe('no secrets on the HTTP/2 path', () => {
  it('credentials, session token and the signature reach no span and no diag message', async () => {
    const tracing = createTestTracing();
    try {
      diagMessages.length = 0;
      expect(await workload(tracing.provider)).toEqual(EXPECTED);
      const spans = tracing.spans();
      // The producer ran: phase spans of the 4 sessions are there to be searched.
      expect(spans.filter((s) => s.name === 'tls.handshake')).toHaveLength(EXPECTED.sessions);
      const text = `${allAttributeText(spans)}\n${diagMessages.join('\n')}`;
      for (const secret of [
        TEST_CREDENTIALS.accessKeyId,
        TEST_CREDENTIALS.secretAccessKey,
        TEST_CREDENTIALS.sessionToken,
        'AWS4-HMAC-SHA256',
        'Signature=',
        'Credential=',
      ]) {
        expect(text).not.toContain(secret);
      }
    } finally {
      await tracing.shutdown();
    }
  });
});
