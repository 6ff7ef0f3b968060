import type { RequestOptions } from 'node:http';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_IDLE_MS,
  ATTR_CONNECTION_QUEUE_MS,
  ATTR_CONNECTION_REUSED,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP2_GOAWAY_CODE,
  ATTR_HTTP2_MAX_CONCURRENT_STREAMS,
  ATTR_HTTP2_PREVIOUS_GOAWAY_CODE,
  ATTR_HTTP2_PREVIOUS_IDLE_MS,
  ATTR_HTTP2_RST_STREAM_CODE,
  ATTR_HTTP2_STREAMS_IN_FLIGHT,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_SOCKET_RESET,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  disableNodeHttp2ConnectionFacts,
  enableNodeHttp2ConnectionFacts,
} from './http2-enable-connection-facts.js';
import { Http2ConnectionInstrumentation } from './http2-instrumentation.js';
import { answerAfter, h2Request, startH2Server } from './test-support/http2.js';
import { certificate } from './test-support/servers.js';
import { createTracing, inAttempt, parentIdOf, spanIdOf } from './test-support/tracing.js';

let ca: string;
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(async () => {
  ca = (await certificate()).cert;
  context.setGlobalContextManager(contextManager.enable());
  enableNodeHttp2ConnectionFacts();
});

afterAll(() => {
  disableNodeHttp2ConnectionFacts();
  context.disable();
});

const settled = (session: http2.ClientHttp2Session) =>
  new Promise<void>((resolve) => {
    if (session.destroyed) resolve();
    else session.on('close', () => resolve());
  });

describe('streams on one session', () => {
  it("at the peer's stream limit, streams wait for a slot: queue_ms from the close that freed it", async () => {
    const server = await startH2Server(answerAfter(40), { maxConcurrentStreams: 2 });
    const tracing = createTracing();
    const session = http2.connect(server.url, { ca });
    await inAttempt(tracing.tracer, () => h2Request(session)); // the opener; SETTINGS known after it
    const started = performance.now();
    const attempts = await Promise.all(
      [0, 1, 2, 3].map(() => inAttempt(tracing.tracer, () => h2Request(session))),
    );
    const took = performance.now() - started;
    session.close();
    await server.close();

    expect(attempts.map((a) => a.result?.status)).toEqual([200, 200, 200, 200]);
    const facts = attempts.map((a) => a.scope.facts);
    expect(facts.map((f) => f.get(ATTR_HTTP2_STREAMS_IN_FLIGHT))).toEqual([0, 1, 2, 3]);
    expect(facts.map((f) => f.get(ATTR_HTTP2_MAX_CONCURRENT_STREAMS))).toEqual([2, 2, 2, 2]);
    // The first two went at once; the other two waited for them: about one 40 ms answer.
    expect(facts[0]!.get(ATTR_CONNECTION_QUEUE_MS)).toBeUndefined();
    expect(facts[1]!.get(ATTR_CONNECTION_QUEUE_MS)).toBeUndefined();
    for (const queued of facts.slice(2)) {
      expect(queued.get(ATTR_CONNECTION_QUEUE_MS)).toBeGreaterThanOrEqual(38);
      expect(queued.get(ATTR_CONNECTION_QUEUE_MS)).toBeLessThan(took);
    }
    expect(took).toBeGreaterThanOrEqual(78); // two rounds of 40 ms: nghttp2 really held them
  });

  it('back-to-back streams: the session is idle from the end of the last response, none in flight', async () => {
    const server = await startH2Server(answerAfter(0));
    const tracing = createTracing();
    const session = http2.connect(server.url, { ca });
    const attempts = [];
    // No pause between them: each starts as soon as the previous response was read to its end, before
    // that stream's 'close'.
    const untilEnd = () =>
      new Promise<void>((resolve) => {
        const stream = session.request({ ':path': '/' });
        stream.on('end', () => resolve());
        stream.resume();
      });
    for (let i = 0; i < 3; i++) attempts.push(await inAttempt(tracing.tracer, untilEnd));
    session.close();
    await server.close();
    const facts = attempts.map((a) => a.scope.facts);
    expect(facts.map((f) => f.get(ATTR_CONNECTION_REUSED))).toEqual([false, true, true]);
    expect(facts.map((f) => f.get(ATTR_HTTP2_STREAMS_IN_FLIGHT))).toEqual([0, 0, 0]);
    expect(facts[0]!.get(ATTR_CONNECTION_IDLE_MS)).toBeUndefined();
    for (const reused of facts.slice(1))
      expect(reused.get(ATTR_CONNECTION_IDLE_MS)).toBeGreaterThanOrEqual(0);
  });

  it('a stream that joins a session still connecting is reused and waited for the connection', async () => {
    const server = await startH2Server(answerAfter(0));
    const tracing = createTracing();
    const session = await new Promise<http2.ClientHttp2Session>((resolve) =>
      inAttempt(tracing.tracer, async () => {
        const opened = http2.connect(server.url, { ca });
        resolve(opened);
        return h2Request(opened);
      }),
    );
    const joined = await inAttempt(tracing.tracer, () => h2Request(session));
    session.close();
    await server.close();
    const facts = joined.scope.facts;
    expect(facts.get(ATTR_CONNECTION_REUSED)).toBe(true);
    expect(facts.get(ATTR_HTTP2_STREAMS_IN_FLIGHT)).toBe(1);
    // The TLS handshake to a local server takes more than a few microseconds.
    expect(facts.get(ATTR_CONNECTION_QUEUE_MS)).toBeGreaterThan(0);
    expect(facts.get(ATTR_NETWORK_PEER_ADDRESS)).toBe('127.0.0.1');
    expect(tracing.named(SPAN_TLS_HANDSHAKE)).toHaveLength(1);
  });
});

describe('cleartext HTTP/2 (h2c)', () => {
  it('a session over plain TCP: dns.lookup and tcp.connect under the attempt, no tls.handshake', async () => {
    const server = http2.createServer();
    server.on('stream', answerAfter(0));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const tracing = createTracing();
    const { scope, result } = await inAttempt(tracing.tracer, async () => {
      const session = http2.connect(`http://localhost:${port}`);
      const reply = await h2Request(session);
      session.close();
      return reply;
    });
    await new Promise((resolve) => server.close(resolve));
    expect(result?.status).toBe(200);
    expect(scope.facts.get(ATTR_CONNECTION_REUSED)).toBe(false);
    expect(scope.facts.get(ATTR_NETWORK_PEER_ADDRESS)).toBe('127.0.0.1');
    expect(tracing.named(SPAN_DNS_LOOKUP)).toHaveLength(1);
    expect(tracing.named(SPAN_TCP_CONNECT)).toHaveLength(1);
    expect(tracing.named(SPAN_TLS_HANDSHAKE)).toHaveLength(0);
    expect(parentIdOf(tracing.named(SPAN_TCP_CONNECT)[0]!)).toBe(spanIdOf(scope.span));
  });
});

describe('how a stream ended', () => {
  // The server answers the first stream and does `fault` to the second.
  async function secondStream(fault: (stream: http2.ServerHttp2Stream) => void) {
    let streams = 0;
    const server = await startH2Server((stream) => {
      streams += 1;
      stream.on('error', () => {});
      if (streams === 1) {
        stream.respond({ ':status': 200 });
        stream.end('ok');
      } else fault(stream);
    });
    const tracing = createTracing();
    const session = http2.connect(server.url, { ca });
    session.on('error', () => {});
    await inAttempt(tracing.tracer, () => h2Request(session));
    const second = await inAttempt(tracing.tracer, () => h2Request(session, '/second', 'body'));
    session.destroy();
    await settled(session);
    await server.close();
    return { facts: second.scope.facts, reply: second.result! };
  }

  it('RST_STREAM REFUSED_STREAM on a live session (no GOAWAY): the peer turned the stream away, no reset', async () => {
    const { facts, reply } = await secondStream((stream) =>
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM),
    );
    expect(reply.error?.code).toBe('ERR_HTTP2_STREAM_ERROR');
    expect(facts.get(ATTR_CONNECTION_REUSED)).toBe(true);
    expect(facts.get(ATTR_HTTP2_RST_STREAM_CODE)).toBe(7);
    expect(facts.get(ATTR_ERROR_TYPE)).toBe('ERR_HTTP2_STREAM_ERROR');
    // The session is healthy (the SDK retries on it): not the stale-connection case.
    expect(facts.get(ATTR_SOCKET_RESET)).toBe(false);
    expect(facts.get(ATTR_HTTP_REQUEST_METHOD)).toBe('PUT');
  });

  it('REFUSED_STREAM on a cold session (sent before the peer announced its limit): no reset', async () => {
    const server = await startH2Server(answerAfter(20), { maxConcurrentStreams: 1 });
    const tracing = createTracing();
    const session = http2.connect(server.url, { ca });
    // Three attempts at once on the session still connecting: nghttp2 sends all three before SETTINGS.
    const attempts = await Promise.all(
      [0, 1, 2].map(() => inAttempt(tracing.tracer, () => h2Request(session))),
    );
    session.close();
    await server.close();
    const refused = attempts.filter((a) => a.result?.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM);
    expect(refused).toHaveLength(2);
    for (const { scope } of refused) {
      expect(scope.facts.get(ATTR_CONNECTION_REUSED)).toBe(true);
      expect(scope.facts.get(ATTR_HTTP2_RST_STREAM_CODE)).toBe(7);
      expect(scope.facts.get(ATTR_SOCKET_RESET)).toBe(false);
    }
  });

  it('RST_STREAM INTERNAL_ERROR: the server failed one stream on a healthy session, no reset', async () => {
    const { facts } = await secondStream((stream) => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    expect(facts.get(ATTR_HTTP2_RST_STREAM_CODE)).toBe(2);
    expect(facts.get(ATTR_ERROR_TYPE)).toBe('ERR_HTTP2_STREAM_ERROR');
    expect(facts.get(ATTR_SOCKET_RESET)).toBe(false);
  });

  it('GOAWAY with an error code while the stream was open: its code, and a reset', async () => {
    const { facts, reply } = await secondStream((stream) =>
      stream.session?.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM),
    );
    expect(reply.error?.code).toBe('ERR_HTTP2_SESSION_ERROR');
    expect(facts.get(ATTR_HTTP2_GOAWAY_CODE)).toBe(11);
    expect(facts.get(ATTR_ERROR_TYPE)).toBe('ERR_HTTP2_SESSION_ERROR');
    expect(facts.get(ATTR_SOCKET_RESET)).toBe(true);
  });

  it('a TCP reset under the session: ECONNRESET, a reset, and no RST_STREAM code (none was sent)', async () => {
    const sockets: Socket[] = [];
    let streams = 0;
    const server = await startH2Server((stream) => {
      streams += 1;
      stream.on('error', () => {});
      if (streams === 1) {
        stream.respond({ ':status': 200 });
        stream.end('ok');
      } else for (const socket of sockets) socket.resetAndDestroy();
    });
    server.server.on('connection', (socket: Socket) => sockets.push(socket));
    const tracing = createTracing();
    const session = http2.connect(server.url, { ca });
    session.on('error', () => {});
    await inAttempt(tracing.tracer, () => h2Request(session));
    const { scope, result } = await inAttempt(tracing.tracer, () => h2Request(session, '/reset', 'body'));
    await settled(session);
    await server.close();
    expect(result?.error?.code).toBe('ECONNRESET');
    expect(result?.rstCode).toBe(http2.constants.NGHTTP2_INTERNAL_ERROR); // Node's local code
    expect(scope.facts.get(ATTR_ERROR_TYPE)).toBe('ECONNRESET');
    expect(scope.facts.get(ATTR_SOCKET_RESET)).toBe(true);
    expect(scope.facts.has(ATTR_HTTP2_RST_STREAM_CODE)).toBe(false);
  });

  it('an answered stream has no error facts', async () => {
    const { facts } = await secondStream((stream) => {
      stream.respond({ ':status': 503 });
      stream.end();
    });
    expect(facts.get(ATTR_HTTP_RESPONSE_STATUS_CODE)).toBe(503);
    for (const key of [
      ATTR_ERROR_TYPE,
      ATTR_SOCKET_RESET,
      ATTR_HTTP2_RST_STREAM_CODE,
      ATTR_HTTP2_GOAWAY_CODE,
    ] as const) {
      expect(facts.has(key), key).toBe(false);
    }
  });

  it('a refused connection: tcp.connect fails with ECONNREFUSED, and so does the attempt (no reset)', async () => {
    const server = await startH2Server(answerAfter(0));
    const { port } = server;
    await server.close(); // nothing listens there now
    const tracing = createTracing();
    const { scope, result } = await inAttempt(tracing.tracer, async () => {
      const session = http2.connect(`https://localhost:${port}`, { ca });
      session.on('error', () => {});
      const reply = await h2Request(session);
      await settled(session);
      return reply;
    });
    expect(result?.error?.code).toBe('ERR_HTTP2_STREAM_CANCEL');
    expect(scope.facts.get(ATTR_ERROR_TYPE)).toBe('ECONNREFUSED');
    expect(scope.facts.get(ATTR_SOCKET_RESET)).toBe(false);
    const [tcp] = tracing.named(SPAN_TCP_CONNECT);
    expect(tcp?.status.code).toBe(SpanStatusCode.ERROR);
    expect(tcp?.attributes[ATTR_ERROR_TYPE]).toBe('ECONNREFUSED');
    expect(tcp?.attributes[ATTR_HTTP_HANDLER]).toBe('node-http2');
  });
});

describe('outside an attempt scope', () => {
  it('an instrumentation records on the active span; the plugin switch alone records nothing', async () => {
    const server = await startH2Server(answerAfter(0));
    const tracing = createTracing();
    // The plugin switch (enabled in beforeAll) is scope-only.
    const span = tracing.tracer.startSpan('outside');
    await context.with(trace.setSpan(context.active(), span), async () => {
      const session = http2.connect(server.url, { ca });
      await h2Request(session);
      session.close();
    });
    span.end();
    expect(tracing.spans().map((s) => s.name)).toEqual(['outside']);
    expect(tracing.spans()[0]!.attributes).toEqual({});

    const seen: RequestOptions[] = [];
    const instrumentation = new Http2ConnectionInstrumentation({
      enabled: false,
      ignoreRequestHook: (options) => {
        seen.push(options);
        return options.path === '/ignored';
      },
    });
    registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: tracing.provider });
    const active = tracing.tracer.startSpan('GET');
    const ignored = tracing.tracer.startSpan('GET ignored');
    const session = await context.with(trace.setSpan(context.active(), active), async () => {
      const opened = http2.connect(server.url, { ca });
      await h2Request(opened);
      return opened;
    });
    await context.with(trace.setSpan(context.active(), ignored), () => h2Request(session, '/ignored'));
    active.end();
    ignored.end();
    session.close();
    instrumentation.disable();
    await server.close();

    const recorded = tracing.spans().find((s) => spanIdOf(s) === spanIdOf(active))!;
    expect(recorded.attributes[ATTR_CONNECTION_REUSED]).toBe(false);
    expect(recorded.attributes[ATTR_CONNECTION_ID]).toMatch(/^c\d+-\d+$/);
    expect(recorded.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe(200);
    const [tls] = tracing.named(SPAN_TLS_HANDSHAKE);
    expect(parentIdOf(tls!)).toBe(spanIdOf(active));
    const skipped = tracing.spans().find((s) => spanIdOf(s) === spanIdOf(ignored))!;
    expect(skipped.attributes).toEqual({});
    // The hook saw where each went, and for streams the method and path: no other header.
    expect(seen[0]).toEqual({
      protocol: 'https:',
      host: 'localhost',
      hostname: 'localhost',
      port: server.port,
    });
    expect(seen).toContainEqual({
      protocol: 'https:',
      host: 'localhost',
      hostname: 'localhost',
      port: server.port,
      method: 'GET',
      path: '/ignored',
    });
  });
});

describe('a GOAWAY on an idle session', () => {
  it("is told by the origin's next session: its code and how long the old session sat idle, once", async () => {
    const server = await startH2Server(answerAfter(0));
    const serverSessions: http2.ServerHttp2Session[] = [];
    server.server.on('session', (session: http2.ServerHttp2Session) => serverSessions.push(session));
    const tracing = createTracing();
    const opened = (path: string) =>
      inAttempt(tracing.tracer, async () => {
        const session = http2.connect(server.url, { ca });
        const reply = await h2Request(session, path);
        return { session, reply };
      });

    const first = await opened('/first');
    const firstSession = first.result!.session;
    const goaway = new Promise<number>((resolve) => firstSession.once('goaway', (code) => resolve(code)));
    await new Promise((resolve) => setTimeout(resolve, 60));
    // A graceful close: GOAWAY NO_ERROR, then the connection ends (what a server's idle timeout does).
    serverSessions[0]!.close();
    expect(await goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
    firstSession.close(); // as NodeHttp2Handler does on 'goaway'
    await settled(firstSession);

    const second = await opened('/second');
    const secondSession = second.result!.session;
    // The client closes this one itself: no GOAWAY from the peer, nothing for the next session.
    secondSession.close();
    await settled(secondSession);
    const third = await opened('/third');
    third.result!.session.close();
    await settled(third.result!.session);
    await server.close();

    expect(first.scope.facts.has(ATTR_HTTP2_PREVIOUS_GOAWAY_CODE)).toBe(false);
    expect(second.scope.facts.get(ATTR_CONNECTION_REUSED)).toBe(false);
    expect(second.scope.facts.get(ATTR_HTTP2_PREVIOUS_GOAWAY_CODE)).toBe(0);
    const idle = second.scope.facts.get(ATTR_HTTP2_PREVIOUS_IDLE_MS);
    expect(idle).toBeGreaterThanOrEqual(55); // the 60 ms the test let the session sit idle
    expect(idle).toBeLessThan(1000);
    expect(third.scope.facts.has(ATTR_HTTP2_PREVIOUS_GOAWAY_CODE)).toBe(false);
    expect(third.scope.facts.has(ATTR_HTTP2_PREVIOUS_IDLE_MS)).toBe(false);
  });

  it("a GOAWAY that hit an open stream is that attempt's goaway_code, not the next session's previous one", async () => {
    let streams = 0;
    const server = await startH2Server((stream) => {
      streams += 1;
      stream.on('error', () => {});
      if (streams === 2) {
        stream.session?.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
        return;
      }
      stream.respond({ ':status': 200 });
      stream.end('ok');
    });
    const tracing = createTracing();
    const session = http2.connect(server.url, { ca });
    session.on('error', () => {});
    await inAttempt(tracing.tracer, () => h2Request(session));
    const hit = await inAttempt(tracing.tracer, () => h2Request(session, '/second', 'body'));
    await settled(session);
    const next = await inAttempt(tracing.tracer, async () => {
      const replacement = http2.connect(server.url, { ca });
      const reply = await h2Request(replacement);
      replacement.close();
      await settled(replacement);
      return reply;
    });
    await server.close();
    expect(hit.scope.facts.get(ATTR_HTTP2_GOAWAY_CODE)).toBe(11);
    expect(next.result?.status).toBe(200);
    expect(next.scope.facts.get(ATTR_CONNECTION_REUSED)).toBe(false);
    expect(next.scope.facts.has(ATTR_HTTP2_PREVIOUS_GOAWAY_CODE)).toBe(false);
  });
});
