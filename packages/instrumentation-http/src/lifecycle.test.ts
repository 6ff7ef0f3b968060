import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { context, DiagLogLevel, diag, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { processState } from '@wirescope/instrumentation';
import {
  ATTR_CONNECTION_REUSED,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  SPAN_DNS_LOOKUP,
  SPAN_HTTP_RESPONSE_BODY,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { disableNodeHttpConnectionFacts, enableNodeHttpConnectionFacts } from './enable-connection-facts.js';
import { HttpConnectionInstrumentation } from './instrumentation.js';
import { faultySpan, faultyTracer, type SpanFault } from './test-support/faults.js';
import {
  certificate,
  type Listening,
  send,
  sleep,
  startHttpServer,
  startHttpsServer,
} from './test-support/servers.js';
import { ATTEMPT_SPAN, createTracing, inAttempt } from './test-support/tracing.js';
import { INSTRUMENTATION_NAME } from './version.js';

const proto = http.Agent.prototype as unknown as { addRequest: unknown };
const ORIGINAL_ADD_REQUEST = proto.addRequest;
let server: Listening<https.Server>;
let plain: Listening<http.Server>;
let ca: string;
const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
const savedMaxListeners = EventEmitter.defaultMaxListeners;

beforeAll(async () => {
  ca = (await certificate()).cert;
  server = await startHttpsServer((_req, res) => res.end('ok'));
  plain = await startHttpServer((_req, res) => res.end('ok'));
  process.on('warning', onWarning);
});

afterAll(async () => {
  process.off('warning', onWarning);
  EventEmitter.defaultMaxListeners = savedMaxListeners;
  await server.close();
  await plain.close();
});

afterEach(() => {
  diag.disable();
});

function listenerCounts(emitter: EventEmitter): Record<string, number> {
  return Object.fromEntries(emitter.eventNames().map((name) => [String(name), emitter.listenerCount(name)]));
}

describe('enable / disable', () => {
  it('shares one patch between instances and the plugin switch, and the last disable restores it', async () => {
    const a = new HttpConnectionInstrumentation();
    const b = new HttpConnectionInstrumentation({ recordOnActiveSpan: false });
    enableNodeHttpConnectionFacts();
    enableNodeHttpConnectionFacts();
    const patched = proto.addRequest;
    expect(patched).not.toBe(ORIGINAL_ADD_REQUEST);
    a.enable(); // idempotent
    expect(proto.addRequest).toBe(patched);

    // Three consumers, one recording: one phase span of each kind, not three.
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: true, ca });
    await inAttempt(tracing.tracer, () => send(https, { host: 'localhost', port: server.port, agent }));
    agent.destroy();
    expect(tracing.named(SPAN_DNS_LOOKUP)).toHaveLength(1);
    expect(tracing.named(SPAN_TCP_CONNECT)).toHaveLength(1);
    expect(tracing.named(SPAN_TLS_HANDSHAKE)).toHaveLength(1);

    a.disable();
    disableNodeHttpConnectionFacts();
    expect(proto.addRequest).toBe(patched);
    b.disable();
    expect(proto.addRequest).toBe(ORIGINAL_ADD_REQUEST);
    b.disable(); // idempotent
    expect(proto.addRequest).toBe(ORIGINAL_ADD_REQUEST);

    // Disabled: nothing recorded.
    const after = createTracing();
    const agent2 = new https.Agent({ keepAlive: true, ca });
    const attempt = await inAttempt(after.tracer, () =>
      send(https, { host: 'localhost', port: server.port, agent: agent2 }),
    );
    agent2.destroy();
    expect(attempt.scope.facts.size).toBe(0);
    expect(after.named(SPAN_TCP_CONNECT)).toHaveLength(0);
  });

  it('shares the patch with a second copy of this package and of the kernel: one wrapper, spans once', async () => {
    // A fresh module graph is a second installed copy: its own classes, its own kernel module.
    vi.resetModules();
    const copy = await import('./index.js');
    const kernelCopy = await import('@wirescope/instrumentation');
    expect(copy.HttpConnectionInstrumentation).not.toBe(HttpConnectionInstrumentation);
    expect(kernelCopy.processState).not.toBe(processState);
    // Both copies reach one state, in the kernel's process registry (a Symbol.for key on globalThis).
    const first = processState('@wirescope/instrumentation-http:patch', () => undefined);
    const second = kernelCopy.processState('@wirescope/instrumentation-http:patch', () => undefined);
    expect(second).toBe(first);

    const ours = new HttpConnectionInstrumentation();
    const patched = proto.addRequest;
    const theirs = new copy.HttpConnectionInstrumentation();
    expect(proto.addRequest).toBe(patched);
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: true, ca });
    const attempt = await inAttempt(tracing.tracer, () =>
      send(https, { host: 'localhost', port: server.port, agent }),
    );
    agent.destroy();
    expect(tracing.named(SPAN_TCP_CONNECT)).toHaveLength(1);
    expect(tracing.named(SPAN_TLS_HANDSHAKE)).toHaveLength(1);
    expect(attempt.scope.facts.get(ATTR_CONNECTION_REUSED)).toBe(false);

    ours.disable();
    expect(proto.addRequest).toBe(patched);
    theirs.disable();
    expect(proto.addRequest).toBe(ORIGINAL_ADD_REQUEST);
  });

  it('keeps listener counts constant over 200 requests on one keep-alive socket', async () => {
    EventEmitter.defaultMaxListeners = 3;
    const instrumentation = new HttpConnectionInstrumentation();
    const tracing = createTracing();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const warningsBefore = warnings.length;
    const first = await inAttempt(tracing.tracer, () =>
      send(http, { host: '127.0.0.1', port: plain.port, agent }),
    );
    const socket = first.result?.req.socket as Socket;
    const socketBefore = listenerCounts(socket);
    const agentBefore = listenerCounts(agent);
    for (let i = 0; i < 200; i++) {
      const attempt = await inAttempt(tracing.tracer, () =>
        send(http, { host: '127.0.0.1', port: plain.port, agent }),
      );
      expect(attempt.result?.req.socket).toBe(socket);
      expect(attempt.scope.facts.get(ATTR_CONNECTION_REUSED)).toBe(true);
    }
    expect(listenerCounts(socket)).toEqual(socketBefore);
    expect(listenerCounts(agent)).toEqual(agentBefore);
    instrumentation.disable();
    expect(proto.addRequest).toBe(ORIGINAL_ADD_REQUEST);
    expect(listenerCounts(socket)).toEqual(socketBefore);
    agent.destroy();
    await sleep(10);
    expect(warnings.slice(warningsBefore).filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual(
      [],
    );
    EventEmitter.defaultMaxListeners = savedMaxListeners;
  });
});

describe('failures in our bookkeeping', () => {
  const logged: string[] = [];
  const logger = {
    error: (...args: unknown[]) => logged.push(args.map(String).join(' ')),
    warn: (...args: unknown[]) => logged.push(args.map(String).join(' ')),
    info: () => {},
    debug: (...args: unknown[]) => logged.push(args.map(String).join(' ')),
    verbose: () => {},
  };

  // Fail-safe proven from outside (issue 13), as OpenTelemetry contrib does: a tracer whose spans or
  // startSpan throw where our hooks touch them. Each case names the hook diag must blame.
  const phase = (name: string) => (span: string) => span === name;
  const cases: [string, string, SpanFault][] = [
    [
      'the attempt span refuses wirescope.http.handler',
      'beginning a request',
      {
        methods: ['setAttribute'],
        keys: [ATTR_HTTP_HANDLER],
      },
    ],
    [
      'the attempt span refuses wirescope.connection.reused',
      'taking a socket',
      {
        methods: ['setAttribute'],
        keys: [ATTR_CONNECTION_REUSED],
      },
    ],
    [
      'the attempt span refuses http.response.status_code',
      'response',
      {
        methods: ['setAttribute'],
        keys: [ATTR_HTTP_RESPONSE_STATUS_CODE],
      },
    ],
    ['startSpan throws for dns.lookup', 'dns lookup', { spans: phase(SPAN_DNS_LOOKUP), startSpan: true }],
    ['startSpan throws for tcp.connect', 'tcp connect', { spans: phase(SPAN_TCP_CONNECT), startSpan: true }],
    [
      'startSpan throws for tls.handshake',
      'tls handshake',
      {
        spans: phase(SPAN_TLS_HANDSHAKE),
        startSpan: true,
      },
    ],
    [
      'every phase span throws on end',
      'dns lookup',
      {
        spans: (name) => name !== ATTEMPT_SPAN,
        methods: ['end'],
      },
    ],
    [
      'startSpan throws for http.response.body',
      'response body',
      {
        spans: phase(SPAN_HTTP_RESPONSE_BODY),
        startSpan: true,
      },
    ],
  ];

  it.each(cases)('%s: the request is untouched, diag blames %s', async (_name, hook, fault) => {
    diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
    logged.length = 0;
    const instrumentation = new HttpConnectionInstrumentation();
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: false, ca });
    const attempt = await inAttempt(faultyTracer(tracing.tracer, fault), () =>
      send(https, { host: 'localhost', port: server.port, agent }),
    );
    instrumentation.disable();
    expect(attempt.error).toBeUndefined();
    expect(attempt.result?.status).toBe(200);
    expect(attempt.result?.body).toBe('ok');
    expect(logged.some((line) => line.includes(hook) && line.includes('span exploded on'))).toBe(true);
  });

  it('an active span whose isRecording throws: the request is untouched, diag blames the decision', async () => {
    diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
    logged.length = 0;
    const instrumentation = new HttpConnectionInstrumentation();
    const tracing = createTracing();
    const span = faultySpan(tracing.tracer.startSpan('client'), { methods: ['isRecording'] });
    const agent = new http.Agent({ keepAlive: false });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const result = await context
      .with(trace.setSpan(context.active(), span), () =>
        send(http, { host: '127.0.0.1', port: plain.port, agent }),
      )
      .finally(() => context.disable());
    instrumentation.disable();
    expect(result.status).toBe(200);
    expect(result.body).toBe('ok');
    expect(
      logged.some(
        (line) =>
          line.startsWith(INSTRUMENTATION_NAME) &&
          line.includes('deciding where to record failed') &&
          line.includes('span exploded on isRecording'),
      ),
    ).toBe(true);
  });

  it("passes the host's own request error through unchanged when the attempt span refuses error.type", async () => {
    diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
    logged.length = 0;
    const closed = await startHttpServer(() => {});
    const port = closed.port;
    await closed.close();
    const instrumentation = new HttpConnectionInstrumentation();
    const tracing = createTracing();
    const tracer = faultyTracer(tracing.tracer, { methods: ['setAttribute'], keys: [ATTR_ERROR_TYPE] });
    const attempt = await inAttempt(tracer, () => send(http, { host: '127.0.0.1', port }));
    instrumentation.disable();
    expect((attempt.error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(
      logged.some((line) => line.includes('request error failed') && line.includes('span exploded on')),
    ).toBe(true);
  });

  it('logs and ignores an ignoreRequestHook that throws; honours one that returns true', async () => {
    diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
    logged.length = 0;
    const throwing = new HttpConnectionInstrumentation({
      ignoreRequestHook: () => {
        throw new Error('hook exploded');
      },
    });
    const tracing = createTracing();
    const recorded = await inAttempt(tracing.tracer, () =>
      send(http, { host: '127.0.0.1', port: plain.port }),
    );
    throwing.disable();
    expect(recorded.result?.status).toBe(200);
    expect(recorded.scope.facts.get(ATTR_CONNECTION_REUSED)).toBe(false);
    expect(logged.some((line) => line.includes('hook exploded'))).toBe(true);

    const ignoring = new HttpConnectionInstrumentation({
      ignoreRequestHook: (options) => options.port === plain.port,
    });
    const skipped = await inAttempt(tracing.tracer, () =>
      send(http, { host: '127.0.0.1', port: plain.port }),
    );
    ignoring.disable();
    expect(skipped.result?.status).toBe(200);
    expect(skipped.scope.facts.size).toBe(0);
  });

  it('fails the open phase span (ABORT_ERR) when the host destroys a request still handshaking', async () => {
    // A TCP listener that never speaks TLS: the handshake hangs until the client gives up, as the
    // SDK's connectionTimeout does with req.destroy().
    const net = await import('node:net');
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const instrumentation = new HttpConnectionInstrumentation();
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: true, ca });
    const attempt = await inAttempt(
      tracing.tracer,
      () =>
        new Promise<void>((resolve) => {
          const req = https.request({ host: '127.0.0.1', port, agent });
          req.on('error', () => {});
          req.on('close', () => resolve());
          req.on('socket', (socket) => socket.once('connect', () => setTimeout(() => req.destroy(), 50)));
          req.end();
        }),
    );
    instrumentation.disable();
    agent.destroy();
    silent.close();
    const [tcp] = tracing.named(SPAN_TCP_CONNECT);
    const [tls] = tracing.named(SPAN_TLS_HANDSHAKE);
    expect(tcp?.status.code).toBe(0);
    expect(tls?.status.code).toBe(2);
    expect(tls?.attributes[ATTR_ERROR_TYPE]).toBe('ABORT_ERR');
    // Node words the local destroy as `socket hang up` (ECONNRESET): that is no reset by the peer.
    expect(attempt.scope.facts.has(ATTR_ERROR_TYPE)).toBe(false);
    expect(attempt.scope.facts.has('wirescope.socket.reset')).toBe(false);
  });
});
