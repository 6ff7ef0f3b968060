// Issue 3 on FetchHttpHandler, proven from outside (issue 13, as @opentelemetry contrib does): the undici
// instrumentation never breaks the host when the OpenTelemetry SDK under it throws (spans, tracers, span
// processors) or when a Node built-in its subscribers call throws; and no secret reaches a span. No seam
// in the package: each fault reaches the subscribers the way a broken SDK or runtime would.
import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { PerformanceObserverEntryList } from 'node:perf_hooks';
import tls from 'node:tls';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { context, type TracerProvider, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { wirescope } from '@wirescope/aws-sdk';
import { UndiciConnectionInstrumentation } from '@wirescope/instrumentation-undici';
import { ATTR_CONNECTION_REUSED, ATTR_TLS_PROTOCOL_VERSION, SPAN_TLS_HANDSHAKE } from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createS3Client, TEST_CREDENTIALS } from './support/clients.js';
import { settle, workload as sharedWorkload, tracerThatThrows, watchHost } from './support/fail-safe.js';
import {
  faultyProvider,
  providerWithThrowingProcessor,
  SOCKET_LAYER_SPANS,
  SPAN_METHODS,
} from './support/faulty-otel.js';
import { createTestTracing } from './support/otel.js';
import { useS3Fixture } from './support/s3-fixture.js';
import { allAttributeText, spansNamed } from './support/span-query.js';
import { testCertificate } from './support/tls-cert.js';

const tracing = createTestTracing();
const BUCKET = 'fetch-fail-safe';
const s3 = useS3Fixture(BUCKET, tracing, { handler: 'fetch' });
const { diagMessages, hostFailures } = watchHost();
const workload = (client: S3Client) => sharedWorkload(client, BUCKET);

const UNDICI = '@wirescope/instrumentation-undici';
const UNDICI_SRC = '/instrumentation-undici/src/';

/** What the host sees without the plugin: the same workload, on its own connection. */
let bare: Awaited<ReturnType<typeof workload>>;
beforeAll(async () => {
  bare = await workload(createS3Client(s3.server.endpoint, { handler: 'fetch' }));
  expect(bare.body).toBe('payload');
  expect(bare.missing?.name).toBe('NoSuchKey');
});

/**
 * Runs the workload under the plugin with `provider` on a new origin (a fresh TCP proxy, so fetch opens
 * a new connection and every subscriber runs: phases, TLS facts, the body); checks what the host sees.
 */
async function underFault(provider: TracerProvider): Promise<void> {
  const proxy = await s3.proxy();
  diagMessages.length = 0;
  const client = createS3Client(`https://localhost:${proxy.port}`, { handler: 'fetch' });
  client.middlewareStack.use(wirescope({ tracerProvider: provider }));
  expect(await workload(client)).toEqual(bare);
  await settle();
  expect(hostFailures).toEqual([]);
}

/** True when a diag message of this package says `what` failed, with `needle` in the reason. */
const ours = (what: string, needle: string) =>
  diagMessages.some((m) => m.startsWith(UNDICI) && m.includes(`${what} failed`) && m.includes(needle));
/** True when this package or the kernel's body phase (which our subscribers drive) logged `needle`. */
const oursOrBody = (needle: string) =>
  diagMessages.some(
    (m) =>
      (m.startsWith(UNDICI) || m.includes('could not record the response body span')) && m.includes(needle),
  );

const methodCases = [
  ['every method', SPAN_METHODS],
  ...SPAN_METHODS.map((method) => [method, [method]] as const),
] as const;

describe('fetch handler: fail-safe, inside the SDK plugin', () => {
  it('a tracer whose startSpan throws: same results as without the plugin, diag says why', async () => {
    await underFault({ getTracer: () => tracerThatThrows });
    expect(diagMessages.some((m) => m.includes('tracer exploded'))).toBe(true);
  });

  it.each(methodCases)(
    'spans throw on %s: same results, nothing reaches the host, every throw is logged',
    async (_name, methods) => {
      const faulty = faultyProvider({ methods });
      await underFault(faulty.provider);
      for (const method of faulty.thrown.keys())
        expect(diagMessages.some((m) => m.includes(`span exploded on ${method}`))).toBe(true);
    },
  );

  it.each(methodCases)(
    'spans throw on %s when our subscribers call them: same results, diag names the channel',
    async (_name, methods) => {
      const faulty = faultyProvider({ methods, from: UNDICI_SRC });
      await underFault(faulty.provider);
      for (const method of faulty.thrown.keys()) expect(oursOrBody(`span exploded on ${method}`)).toBe(true);
      // Inside the plugin our facts reach the attempt in the plugin's one setAttributes at its end; our
      // subscribers end the phase spans (sendHeaders) and the body span, and call nothing else.
      if (methods.includes('end')) expect(ours('recording tls.handshake', 'span exploded on end')).toBe(true);
      else expect(faulty.thrown.size).toBe(0);
      // The plugin's own spans are untouched.
      expect(spansNamed(faulty.spans(), 'S3.PutObject')).toHaveLength(1);
    },
  );

  it('startSpan throws for dns.lookup, tcp.connect, tls.handshake and http.response.body only', async () => {
    const faulty = faultyProvider({ startSpanFor: SOCKET_LAYER_SPANS });
    await underFault(faulty.provider);
    expect(faulty.thrown.get('startSpan')).toBeGreaterThanOrEqual(2);
    expect(ours('recording tls.handshake', 'span exploded on startSpan')).toBe(true);
    expect(oursOrBody('could not record the response body span')).toBe(true);
    // Only the socket layer's spans were refused: the operation and attempt spans are there.
    const spans = faulty.spans();
    expect(spansNamed(spans, 'S3.PutObject')).toHaveLength(1);
    expect(spansNamed(spans, 'S3.PutObject attempt')).toHaveLength(1);
    expect(spans.filter((s) => SOCKET_LAYER_SPANS.includes(s.name))).toEqual([]);
  });

  it.each(['onStart', 'onEnd'] as const)(
    'a span processor throws in %s: same results, nothing reaches the host, diag says why',
    async (hook) => {
      const { provider, thrown } = providerWithThrowingProcessor(hook);
      await underFault(provider);
      expect(thrown()).toBeGreaterThan(0);
      expect(diagMessages.some((m) => m.includes(`processor exploded on ${hook}`))).toBe(true);
      // onStart: the plugin cannot start its spans, so the call goes unobserved and there is no attempt
      // for us to record on. onEnd throws out of every phase span's end(), inside our subscriber.
      if (hook === 'onEnd') expect(ours('recording tls.handshake', 'processor exploded on onEnd')).toBe(true);
    },
  );

  it('a TLS socket whose getProtocol throws (read for tls.protocol.version): same results, diag says so', async () => {
    const spy = vi.spyOn(tls.TLSSocket.prototype, 'getProtocol').mockImplementation(() => {
      throw new Error('getProtocol exploded');
    });
    try {
      await underFault(tracing.provider);
    } finally {
      spy.mockRestore();
    }
    expect(ours('reading the TLS facts', 'getProtocol exploded')).toBe(true);
    // Only the TLS facts are lost: the attempt and the handshake span are recorded without them.
    const [attempt] = spansNamed(tracing.spans(), 'S3.PutObject attempt');
    expect(attempt?.attributes[ATTR_CONNECTION_REUSED]).toBe(false);
    expect(attempt?.attributes[ATTR_TLS_PROTOCOL_VERSION]).toBeUndefined();
    const handshakes = spansNamed(tracing.spans(), SPAN_TLS_HANDSHAKE);
    expect(handshakes.length).toBeGreaterThanOrEqual(1);
    for (const span of handshakes) expect(span.attributes[ATTR_TLS_PROTOCOL_VERSION]).toBeUndefined();
  });

  it('perf_hooks entry lists whose getEntries throws: same results, the handshake still traced, diag says so', async () => {
    // Node hands the observer its entries in a PerformanceObserverEntryList; our observer reads them
    // with getEntries (Node's own dispatch does not call it, so the fault is ours alone to catch).
    const spy = vi.spyOn(PerformanceObserverEntryList.prototype, 'getEntries').mockImplementation(() => {
      throw new Error('getEntries exploded');
    });
    try {
      await underFault(tracing.provider);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      spy.mockRestore();
    }
    expect(ours('reading perf_hooks entries', 'getEntries exploded')).toBe(true);
    // One per connection the pool opened (usually one).
    expect(spansNamed(tracing.spans(), SPAN_TLS_HANDSHAKE).length).toBeGreaterThanOrEqual(1);
  });
});

describe('fetch handler: fail-safe, standalone on the active span', () => {
  let server: https.Server;
  let url: string;
  beforeAll(async () => {
    // Standalone facts follow the active span, which travels through fetch with a context manager.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    // Importing the undici package would make its Agent fetch's global dispatcher: the server closes
    // every connection instead, so each call opens a new one and every subscriber runs.
    server = https.createServer(testCertificate(), (req, res) => {
      res.setHeader('connection', 'close');
      req.resume();
      req.on('end', () => res.end('standalone ok'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `https://localhost:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
    context.disable();
  });

  /** A plain fetch() (on a new connection: the server closes each one): what the host sees. */
  async function call(): Promise<{ status: number; body: string }> {
    const response = await fetch(url);
    return { status: response.status, body: await response.text() };
  }

  /**
   * Runs `call()` under a span from `active` with an instrumentation whose tracer comes from
   * `provider`; checks it returns what it returns without the instrumentation.
   */
  async function standaloneUnderFault(provider: TracerProvider, active: TracerProvider): Promise<void> {
    const expected = await call();
    diagMessages.length = 0;
    const instrumentation = new UndiciConnectionInstrumentation({ enabled: false });
    instrumentation.setTracerProvider(provider);
    instrumentation.enable();
    try {
      const parent = active.getTracer('caller').startSpan('caller');
      const result = await context.with(trace.setSpan(context.active(), parent), call);
      expect(result).toEqual(expected);
      expect(result.body).toBe('standalone ok');
    } finally {
      instrumentation.disable();
    }
    await settle();
    expect(hostFailures).toEqual([]);
  }

  it.each(methodCases)(
    'spans throw on %s when our subscribers call them: same result, diag names the channel',
    async (_name, methods) => {
      const faulty = faultyProvider({ methods, from: UNDICI_SRC });
      await standaloneUnderFault(faulty.provider, faulty.provider);
      for (const method of faulty.thrown.keys()) expect(oursOrBody(`span exploded on ${method}`)).toBe(true);
      // Standalone, each fact goes to the active span at once (setAttribute, from request:create on).
      if (methods.includes('setAttribute'))
        expect(ours('handling undici:request:create', 'span exploded on setAttribute')).toBe(true);
      else if (methods.includes('end'))
        expect(ours('recording tls.handshake', 'span exploded on end')).toBe(true);
      else expect(faulty.thrown.size).toBe(0);
    },
  );

  it('startSpan throws for the phase and body spans: same result, diag names the channel', async () => {
    const faulty = faultyProvider({ startSpanFor: SOCKET_LAYER_SPANS });
    await standaloneUnderFault(faulty.provider, tracing.provider);
    expect(ours('recording tls.handshake', 'span exploded on startSpan')).toBe(true);
    expect(faulty.spans().filter((s) => SOCKET_LAYER_SPANS.includes(s.name))).toEqual([]);
  });

  it.each(['onStart', 'onEnd'] as const)(
    'a span processor throws in %s under our tracer: same result, diag names the channel',
    async (hook) => {
      const { provider, thrown } = providerWithThrowingProcessor(hook);
      await standaloneUnderFault(provider, tracing.provider);
      expect(thrown()).toBeGreaterThan(0);
      expect(ours('recording tls.handshake', `processor exploded on ${hook}`)).toBe(true);
    },
  );
});

describe('fetch handler: no secrets in spans', () => {
  it('no credential, Authorization or signature in any span, event or status', async () => {
    const standalone = new UndiciConnectionInstrumentation();
    standalone.setTracerProvider(tracing.provider);
    try {
      const client = createS3Client(`https://127.0.0.1:${s3.server.port}`, { handler: 'fetch' });
      client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
      await workload(client);
      // A presigned URL fetched directly, under an active span (the standalone path records on it).
      const signer = createS3Client(s3.server.endpoint, { handler: 'fetch' });
      const url = await getSignedUrl(signer, new GetObjectCommand({ Bucket: BUCKET, Key: 'obj' }), {
        expiresIn: 60,
      });
      signer.destroy();
      const signature = new URL(url).searchParams.get('X-Amz-Signature');
      expect(signature).toBeTruthy();
      const parent = tracing.tracer.startSpan('presigned fetch');
      const body = await context.with(trace.setSpan(context.active(), parent), () =>
        fetch(url).then((r) => r.text()),
      );
      parent.end();
      expect(body).toBe('payload');
    } finally {
      standalone.disable();
    }
    const spans = tracing.spans();
    expect(spans.length).toBeGreaterThan(5);
    const text = allAttributeText(spans);
    for (const secret of Object.values(TEST_CREDENTIALS)) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/authorization/i);
    expect(text).not.toMatch(/x-amz-signature/i);
    expect(text).not.toMatch(/AWS4-HMAC-SHA256/);
    expect(text).not.toContain('x-amz-security-token');
  });
});
