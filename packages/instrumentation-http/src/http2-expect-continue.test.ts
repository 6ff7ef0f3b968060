import http2 from 'node:http2';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { AttemptScope } from '@wirescope/instrumentation';
import {
  ATTR_CONNECTION_QUEUE_MS,
  ATTR_EXPECT_CONTINUE,
  ATTR_EXPECT_CONTINUE_ENDED_BY,
  ATTR_EXPECT_CONTINUE_WAIT_MS,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
} from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  disableNodeHttp2ConnectionFacts,
  enableNodeHttp2ConnectionFacts,
} from './http2-enable-connection-facts.js';
import { answerAfter, type H2Listening, h2Request, startH2Server } from './test-support/http2.js';
import { certificate } from './test-support/servers.js';
import { createTracing, inAttempt } from './test-support/tracing.js';

// The `Expect: 100-continue` wait of an HTTP/2 stream gets node:http's span attributes
// (expect-continue.test.ts): how it ended, and its length from the stream's HEADERS going out.

/** The server's pause before its 100 Continue, ms. */
const CONTINUE_DELAY_MS = 120;
/** The client's fallback: the body goes out this long after the request with no 100, ms. */
const FALLBACK_MS = 300;
/** How long the server holds the stream ahead of an Expect stream at its limit of 1, ms. */
const HOLD_MS = 150;
const BODY = Buffer.alloc(16 * 1024, 7);

let ca: string;
let server: H2Listening;
let limited: H2Listening;

/** Runs `fn` once at least `ms` have passed by performance.now() (a timer may fire a little early). */
function afterAtLeast(ms: number, fn: () => void): { cancel(): void } {
  const start = performance.now();
  let timer: NodeJS.Timeout;
  const arm = (delay: number) => {
    timer = setTimeout(() => {
      const left = ms - (performance.now() - start);
      if (left > 0) arm(Math.ceil(left));
      else fn();
    }, delay);
  };
  arm(ms);
  return { cancel: () => clearTimeout(timer) };
}

/**
 * '/continue': 100 after CONTINUE_DELAY_MS, '/silent': no 100, then 200 once the body is in; '/refuse':
 * 417 at once; '/hold': 200 after HOLD_MS.
 */
function answer(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  stream.on('error', () => {});
  const path = headers[':path'];
  if (path === '/hold') {
    answerAfter(HOLD_MS)(stream);
    return;
  }
  if (path === '/refuse') {
    stream.respond({ ':status': 417 }, { endStream: true });
    return;
  }
  if (path === '/continue') {
    afterAtLeast(CONTINUE_DELAY_MS, () => {
      if (!stream.destroyed && !stream.headersSent) stream.additionalHeaders({ ':status': 100 });
    });
  }
  stream.resume();
  stream.on('end', () => {
    if (stream.destroyed) return;
    stream.respond({ ':status': 200 });
    stream.end('stored');
  });
}

beforeAll(async () => {
  ca = (await certificate()).cert;
  enableNodeHttp2ConnectionFacts();
  server = await startH2Server(answer);
  limited = await startH2Server(answer, { maxConcurrentStreams: 1 });
});

afterAll(async () => {
  disableNodeHttp2ConnectionFacts();
  await server.close();
  await limited.close();
});

interface Upload {
  readonly status: number | undefined;
  /** performance.now() at the stream's 'ready' and its 'continue', as the host saw them. */
  readonly readyAt: number | undefined;
  readonly continuedAt: number | undefined;
}

/**
 * A PUT that waits for 100 Continue at most `fallbackMs` (from the request), as the SDK's
 * writeRequestBody does with its own timer, then sends BODY (piped when `streamed`). A final answer
 * first: no body, as the SDK does. `header`: the name the expectation is sent under ('': none).
 */
function upload(
  session: http2.ClientHttp2Session,
  path: string,
  {
    header = 'expect',
    streamed = false,
    fallbackMs = FALLBACK_MS,
  }: { header?: string; streamed?: boolean; fallbackMs?: number } = {},
): Promise<Upload> {
  return new Promise((resolve) => {
    const headers: http2.OutgoingHttpHeaders = { ':method': 'PUT', ':path': path };
    if (header) headers[header] = '100-continue';
    const stream = session.request(headers);
    let status: number | undefined;
    let readyAt: number | undefined;
    let continuedAt: number | undefined;
    let sent = false;
    const send = (body: boolean) => {
      if (sent) return;
      sent = true;
      fallback.cancel();
      if (!body) stream.end();
      else if (streamed) Readable.from([BODY]).pipe(stream);
      else stream.end(BODY);
    };
    const fallback = afterAtLeast(fallbackMs, () => send(true));
    stream.on('ready', () => {
      readyAt = performance.now();
    });
    stream.on('continue', () => {
      continuedAt = performance.now();
      send(true);
    });
    stream.on('response', (response) => {
      status = Number(response[':status']);
      send(false);
    });
    stream.on('error', () => {});
    stream.resume();
    stream.on('close', () => resolve({ status, readyAt, continuedAt }));
  });
}

/** A connected session (its 'connect' came), closed by `done`. */
async function connected(origin: string): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(origin, { ca });
  await new Promise((resolve) => session.once('connect', resolve));
  return session;
}

function closed(session: http2.ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => {
    if (session.destroyed) return resolve();
    session.once('close', () => resolve());
    session.close();
  });
}

const facts = (scope: AttemptScope) => ({
  expect: scope.facts.get(ATTR_EXPECT_CONTINUE),
  endedBy: scope.facts.get(ATTR_EXPECT_CONTINUE_ENDED_BY),
  waitMs: scope.facts.get(ATTR_EXPECT_CONTINUE_WAIT_MS),
});

describe('HTTP/2 Expect: 100-continue, the span side', () => {
  it.each([false, true])(
    "the server's 100 after 120 ms: ended by the server, the wait from the HEADERS (streamed body: %s)",
    async (streamed) => {
      const tracing = createTracing();
      const session = await connected(server.url);
      // `Expect`, as the SDK's S3 middleware spells it.
      const attempt = await inAttempt(tracing.tracer, () =>
        upload(session, '/continue', { header: 'Expect', streamed }),
      );
      await closed(session);
      expect(attempt.result?.status).toBe(200);
      const { expect: asked, endedBy, waitMs } = facts(attempt.scope);
      expect([asked, endedBy]).toEqual([true, 'server']);
      expect(waitMs).toBeGreaterThanOrEqual(CONTINUE_DELAY_MS);
      expect(waitMs).toBeLessThan(FALLBACK_MS);
    },
  );

  it.each([false, true])(
    'no 100 from the server: ended by the timer, the wait up to the body (streamed body: %s)',
    async (streamed) => {
      const tracing = createTracing();
      const session = await connected(server.url);
      const attempt = await inAttempt(tracing.tracer, () => upload(session, '/silent', { streamed }));
      await closed(session);
      expect(attempt.result).toMatchObject({ status: 200, continuedAt: undefined });
      const { expect: asked, endedBy, waitMs } = facts(attempt.scope);
      expect([asked, endedBy]).toEqual([true, 'timer']);
      expect(waitMs).toBeGreaterThanOrEqual(FALLBACK_MS);
      expect(waitMs).toBeLessThan(FALLBACK_MS + 1000);
    },
  );

  it('a final answer before any 100 (417): ended by the server, no wait recorded', async () => {
    const tracing = createTracing();
    const session = await connected(server.url);
    const attempt = await inAttempt(tracing.tracer, () => upload(session, '/refuse'));
    await closed(session);
    expect(attempt.scope.facts.get(ATTR_HTTP_RESPONSE_STATUS_CODE)).toBe(417);
    expect(facts(attempt.scope)).toEqual({ expect: true, endedBy: 'server', waitMs: undefined });
  });

  it('no Expect header: nothing about 100-continue', async () => {
    const tracing = createTracing();
    const session = await connected(server.url);
    const attempt = await inAttempt(tracing.tracer, () => upload(session, '/silent', { header: '' }));
    await closed(session);
    expect(attempt.result?.status).toBe(200);
    expect(facts(attempt.scope)).toEqual({ expect: undefined, endedBy: undefined, waitMs: undefined });
  });

  it("on a session still connecting, the wait runs from the stream's 'ready', not from request()", async () => {
    const tracing = createTracing();
    const session = http2.connect(server.url, { ca });
    const requestedAt = performance.now();
    const attempt = await inAttempt(tracing.tracer, () => upload(session, '/continue'));
    await closed(session);
    const { readyAt, continuedAt } = attempt.result ?? {};
    if (readyAt === undefined || continuedAt === undefined) throw new Error('no ready or continue');
    // The connection (TCP, TLS) came first; the wait is the host's own ready → continue, give or take
    // the listeners between ours and the test's.
    expect(readyAt).toBeGreaterThan(requestedAt);
    const waitMs = attempt.scope.facts.get(ATTR_EXPECT_CONTINUE_WAIT_MS) as number;
    expect(waitMs).toBeGreaterThanOrEqual(CONTINUE_DELAY_MS);
    expect(Math.abs(waitMs - (continuedAt - readyAt))).toBeLessThan(1);
  });

  it("held at the peer's limit of 1: the wait runs from the close that freed the slot", async () => {
    const tracing = createTracing();
    const session = await connected(limited.url);
    await h2Request(session, '/first'); // SETTINGS known
    const held = h2Request(session, '/hold');
    // Its fallback well past the hold and the server's pause.
    const attempt = await inAttempt(tracing.tracer, () => upload(session, '/continue', { fallbackMs: 2000 }));
    await held;
    await closed(session);
    expect(attempt.result?.status).toBe(200);
    expect(attempt.scope.facts.get(ATTR_CONNECTION_QUEUE_MS)).toBeGreaterThanOrEqual(HOLD_MS - 10);
    const { endedBy, waitMs } = facts(attempt.scope);
    expect(endedBy).toBe('server');
    expect(waitMs).toBeGreaterThanOrEqual(CONTINUE_DELAY_MS);
    // From request() it would hold the hold too: at least HOLD_MS + CONTINUE_DELAY_MS.
    expect(waitMs).toBeLessThan(HOLD_MS + CONTINUE_DELAY_MS - 20);
  });
});
