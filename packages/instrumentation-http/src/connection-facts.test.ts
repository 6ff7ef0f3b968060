import http from 'node:http';
import https from 'node:https';
import {
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_IDLE_MS,
  ATTR_CONNECTION_QUEUE_MS,
  ATTR_CONNECTION_REQUESTS,
  ATTR_CONNECTION_REUSED,
  ATTR_DNS_ANSWERS,
  ATTR_DNS_QUESTION_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SOCKET_ERROR,
  ATTR_SOCKET_RESET,
  ATTR_TLS_PROTOCOL_VERSION,
  ATTR_TLS_RESUMED,
  ATTR_TTFB_MS,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disableNodeHttpConnectionFacts, enableNodeHttpConnectionFacts } from './enable-connection-facts.js';
import {
  certificate,
  type Listening,
  send,
  sleep,
  startHttpServer,
  startHttpsServer,
} from './test-support/servers.js';
import { createTracing, inAttempt, parentIdOf, spanIdOf } from './test-support/tracing.js';

let server: Listening<https.Server>;
let ca: string;

beforeAll(async () => {
  enableNodeHttpConnectionFacts();
  ca = (await certificate()).cert;
  server = await startHttpsServer((req, res) => {
    const delay = Number(new URL(req.url ?? '/', 'https://x').searchParams.get('delay') ?? 0);
    setTimeout(() => res.end('ok'), delay);
  });
});

afterAll(async () => {
  disableNodeHttpConnectionFacts();
  await server.close();
});

describe('keep-alive HTTPS agent', () => {
  it('opens one connection for 10 sequential requests and reuses it 9 times with idle time', async () => {
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: true, ca });
    const attempts = [];
    for (let i = 0; i < 10; i++) {
      attempts.push(
        await inAttempt(tracing.tracer, () =>
          send(https, { host: 'localhost', port: server.port, agent, path: '/' }),
        ),
      );
      await sleep(20);
    }
    agent.destroy();

    const facts = attempts.map((a) => a.scope.facts);
    expect(attempts.every((a) => a.result?.status === 200)).toBe(true);
    expect(facts.map((f) => f.get(ATTR_CONNECTION_REUSED))).toEqual([false, ...Array(9).fill(true)]);
    expect(new Set(facts.map((f) => f.get(ATTR_CONNECTION_ID))).size).toBe(1);
    expect(facts[0]?.get(ATTR_CONNECTION_ID)).toMatch(new RegExp(`^c${process.pid}-\\d+$`));
    expect(facts.map((f) => f.get(ATTR_CONNECTION_REQUESTS))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(facts[0]?.has(ATTR_CONNECTION_IDLE_MS)).toBe(false);
    for (const f of facts.slice(1)) {
      // Slept 20 ms between requests; generous upper bound for a loaded 2-core machine.
      expect(f.get(ATTR_CONNECTION_IDLE_MS)).toBeGreaterThanOrEqual(15);
      expect(f.get(ATTR_CONNECTION_IDLE_MS)).toBeLessThan(2_000);
      expect(f.has(ATTR_CONNECTION_QUEUE_MS)).toBe(false);
      expect(f.has(ATTR_TLS_PROTOCOL_VERSION)).toBe(false);
    }
    const first = facts[0]!;
    expect(first.get(ATTR_HTTP_HANDLER)).toBe('node-http');
    expect(first.get(ATTR_HTTP_REQUEST_METHOD)).toBe('GET');
    expect(first.get(ATTR_HTTP_RESPONSE_STATUS_CODE)).toBe(200);
    expect(first.get(ATTR_SERVER_ADDRESS)).toBe('localhost');
    expect(first.get(ATTR_SERVER_PORT)).toBe(server.port);
    expect(first.get(ATTR_NETWORK_PEER_ADDRESS)).toBe('127.0.0.1');
    expect(first.get(ATTR_NETWORK_PEER_PORT)).toBe(server.port);
    expect(first.get(ATTR_TLS_PROTOCOL_VERSION)).toBe('1.3');
    expect(first.get(ATTR_TLS_RESUMED)).toBe(false);
    // Present; its value against an injected server pause is pinned in timings.test.ts.
    expect(first.get(ATTR_TTFB_MS)).toBeTypeOf('number');

    const firstSpanId = spanIdOf(attempts[0]!.scope.span);
    for (const name of [SPAN_DNS_LOOKUP, SPAN_TCP_CONNECT, SPAN_TLS_HANDSHAKE]) {
      const spans = tracing.named(name);
      expect(spans, name).toHaveLength(1);
      expect(parentIdOf(spans[0]!), name).toBe(firstSpanId);
    }
    const [dns] = tracing.named(SPAN_DNS_LOOKUP);
    const [tcp] = tracing.named(SPAN_TCP_CONNECT);
    const [tls] = tracing.named(SPAN_TLS_HANDSHAKE);
    // OpenTelemetry's network-span attributes (the kernel's), and the connection and handler on each.
    const id = first.get(ATTR_CONNECTION_ID);
    const common = { [ATTR_CONNECTION_ID]: id, [ATTR_HTTP_HANDLER]: 'node-http' };
    expect(dns!.attributes).toEqual({
      ...common,
      [ATTR_SERVER_ADDRESS]: 'localhost',
      [ATTR_DNS_QUESTION_NAME]: 'localhost',
      [ATTR_DNS_ANSWERS]: [expect.any(String)],
    });
    expect(tcp!.attributes).toEqual({
      ...common,
      [ATTR_NETWORK_PEER_ADDRESS]: '127.0.0.1',
      [ATTR_NETWORK_PEER_PORT]: server.port,
      [ATTR_NETWORK_TRANSPORT]: 'tcp',
      [ATTR_NETWORK_TYPE]: 'ipv4',
    });
    expect(tls!.attributes).toEqual({
      ...common,
      [ATTR_TLS_PROTOCOL_VERSION]: '1.3',
      [ATTR_TLS_RESUMED]: false,
      [ATTR_SERVER_ADDRESS]: 'localhost',
    });
    // Every reused attempt links to the attempt that set its connection up; the first links to none.
    const attemptSpans = attempts.map(
      (a) => tracing.spans().find((s) => spanIdOf(s) === spanIdOf(a.scope.span))!,
    );
    expect(attemptSpans[0]!.links).toEqual([]);
    for (const span of attemptSpans.slice(1)) {
      expect(span.links).toEqual([
        { context: attemptSpans[0]!.spanContext(), attributes: { [ATTR_CONNECTION_ID]: id } },
      ]);
    }
    // The phases follow each other inside the attempt span.
    const attemptSpan = tracing.spans().find((s) => spanIdOf(s) === firstSpanId)!;
    const ms = (t: [number, number]) => t[0] * 1e3 + t[1] / 1e6;
    expect(ms(dns!.endTime)).toBeCloseTo(ms(tcp!.startTime), 2);
    expect(ms(tcp!.endTime)).toBeCloseTo(ms(tls!.startTime), 2);
    expect(ms(tcp!.endTime)).toBeGreaterThan(ms(tcp!.startTime));
    // Inside the attempt span, within the wall clock's 1 ms granularity (the SDK's own precision).
    expect(ms(dns!.startTime)).toBeGreaterThanOrEqual(ms(attemptSpan.startTime) - 1.5);
    expect(ms(tls!.endTime)).toBeLessThanOrEqual(ms(attemptSpan.endTime) + 1.5);
  });

  it('pays a handshake on every request with keepAlive: false', async () => {
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: false, ca });
    const attempts = [];
    for (let i = 0; i < 3; i++) {
      attempts.push(
        await inAttempt(tracing.tracer, () => send(https, { host: '127.0.0.1', port: server.port, agent })),
      );
    }
    expect(tracing.named(SPAN_TLS_HANDSHAKE)).toHaveLength(3);
    expect(tracing.named(SPAN_TCP_CONNECT)).toHaveLength(3);
    // An IP literal needs no lookup.
    expect(tracing.named(SPAN_DNS_LOOKUP)).toHaveLength(0);
    expect(attempts.map((a) => a.scope.facts.get(ATTR_CONNECTION_REUSED))).toEqual([false, false, false]);
    expect(new Set(attempts.map((a) => a.scope.facts.get(ATTR_CONNECTION_ID))).size).toBe(3);
    expect(attempts.every((a) => a.scope.facts.get('wirescope.agent.keep_alive') === false)).toBe(true);
    const parents = tracing.named(SPAN_TLS_HANDSHAKE).map(parentIdOf);
    expect(parents).toEqual(attempts.map((a) => spanIdOf(a.scope.span)));
  });

  it('records queue time when the agent is at maxSockets, and reuse for the freed socket', async () => {
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });
    const path = '/?delay=100';
    const attempts = await Promise.all(
      [0, 1, 2, 3].map(() =>
        inAttempt(tracing.tracer, () => send(https, { host: '127.0.0.1', port: server.port, agent, path })),
      ),
    );
    agent.destroy();
    const facts = attempts.map((a) => a.scope.facts);
    expect(attempts.every((a) => a.result?.status === 200)).toBe(true);
    expect(facts[0]!.has(ATTR_CONNECTION_QUEUE_MS)).toBe(false);
    expect(facts[0]!.get(ATTR_CONNECTION_REUSED)).toBe(false);
    expect(facts.map((f) => f.get('wirescope.agent.max_sockets'))).toEqual([1, 1, 1, 1]);
    const queued = facts.slice(1).map((f) => f.get(ATTR_CONNECTION_QUEUE_MS) as number);
    // Each waited for the ~100 ms requests before it; allow wide margins.
    expect(queued[0]).toBeGreaterThanOrEqual(80);
    expect(queued[1]).toBeGreaterThan(queued[0]!);
    expect(queued[2]).toBeGreaterThan(queued[1]!);
    for (const f of facts.slice(1)) {
      // req.reusedSocket is false for these: reuse is detected from the socket itself.
      expect(f.get(ATTR_CONNECTION_REUSED)).toBe(true);
      // Handed straight from one request to the next: idle is a small part of the wait in the queue
      // (relative to the measured wait, not a wall-clock bound).
      expect(f.get(ATTR_CONNECTION_IDLE_MS)).toBeLessThan(queued[0]! / 2);
    }
    expect(facts.map((f) => f.get(ATTR_CONNECTION_REQUESTS))).toEqual([1, 2, 3, 4]);
    expect(tracing.named(SPAN_TLS_HANDSHAKE)).toHaveLength(1);
  });
});

describe('socket errors', () => {
  for (const [how, message] of [
    ['resetAndDestroy', 'read ECONNRESET'],
    ['destroy', 'socket hang up'],
  ] as const) {
    // Plain HTTP: resetAndDestroy() needs a TCP handle (a TLS server socket cannot send an RST).
    it(`classifies a server that ${how}s the socket on its 3rd request as ECONNRESET (${message})`, async () => {
      const seen = new WeakMap<object, number>();
      const flaky = await startHttpServer((req, res) => {
        const n = (seen.get(req.socket) ?? 0) + 1;
        seen.set(req.socket, n);
        if (n >= 3) {
          if (how === 'resetAndDestroy') req.socket.resetAndDestroy();
          else req.socket.destroy();
          return;
        }
        res.end('ok');
      });
      const tracing = createTracing();
      const agent = new http.Agent({ keepAlive: true });
      const run = () =>
        inAttempt(tracing.tracer, () => send(http, { host: '127.0.0.1', port: flaky.port, agent }));
      const ok1 = await run();
      const ok2 = await run();
      const failed = await run();
      agent.destroy();
      await flaky.close();
      expect(ok1.result?.status).toBe(200);
      expect(ok2.result?.status).toBe(200);
      expect(failed.error).toBeInstanceOf(Error);
      const facts = failed.scope.facts;
      expect(facts.get(ATTR_CONNECTION_REUSED)).toBe(true);
      expect(facts.get(ATTR_ERROR_TYPE)).toBe('ECONNRESET');
      expect(facts.get(ATTR_SOCKET_RESET)).toBe(true);
      expect(facts.get(ATTR_SOCKET_ERROR)).toBe(message);
      expect(ok2.scope.facts.has(ATTR_ERROR_TYPE)).toBe(false);
    });
  }

  it('fails the tcp.connect span with ECONNREFUSED when nobody listens', async () => {
    const closed = await startHttpsServer(() => {});
    const port = closed.port;
    await closed.close();
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: true, ca });
    const attempt = await inAttempt(tracing.tracer, () => send(https, { host: '127.0.0.1', port, agent }));
    expect(attempt.error).toBeInstanceOf(Error);
    expect(attempt.scope.facts.get(ATTR_ERROR_TYPE)).toBe('ECONNREFUSED');
    expect(attempt.scope.facts.get(ATTR_SOCKET_RESET)).toBe(false);
    const [tcp] = tracing.named(SPAN_TCP_CONNECT);
    expect(tcp?.status.code).toBe(2);
    expect(tcp?.attributes[ATTR_ERROR_TYPE]).toBe('ECONNREFUSED');
    expect(tracing.named(SPAN_TLS_HANDSHAKE)).toHaveLength(0);
  });

  it('fails the tls.handshake span with the certificate error code', async () => {
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: true }); // no `ca`: our certificate is untrusted
    const attempt = await inAttempt(tracing.tracer, () =>
      send(https, { host: '127.0.0.1', port: server.port, agent }),
    );
    agent.destroy();
    expect(attempt.error).toBeInstanceOf(Error);
    const errorType = attempt.scope.facts.get(ATTR_ERROR_TYPE);
    expect(errorType).toMatch(/CERT/);
    const [tls] = tracing.named(SPAN_TLS_HANDSHAKE);
    expect(tls?.status.code).toBe(2);
    expect(tls?.attributes[ATTR_ERROR_TYPE]).toBe(errorType);
    expect(tracing.named(SPAN_TCP_CONNECT)[0]?.status.code).toBe(0);
  });
});
