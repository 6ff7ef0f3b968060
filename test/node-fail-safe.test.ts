// Issue 2: the plugin never breaks the host, and no secret reaches a span.

import type { S3Client } from '@aws-sdk/client-s3';
import type { TracerProvider } from '@opentelemetry/api';
import { wirescope } from '@wirescope/aws-sdk';
import { describe, expect, it, vi } from 'vitest';
import { createS3Client, TEST_CREDENTIALS } from './support/clients.js';
import {
  providerThatThrows,
  providerWithThrowingTracer,
  settle,
  workload as sharedWorkload,
  watchHost,
} from './support/fail-safe.js';
import {
  calledFrom,
  faultyProvider,
  providerWithThrowingProcessor,
  SOCKET_LAYER_SPANS,
  SPAN_METHODS,
} from './support/faulty-otel.js';
import { createTestTracing } from './support/otel.js';
import { useS3Fixture } from './support/s3-fixture.js';
import { allAttributeText, spansNamed } from './support/span-query.js';

const tracing = createTestTracing();
const BUCKET = 'fail-safe';
const s3 = useS3Fixture(BUCKET, tracing);
const { diagMessages, hostFailures } = watchHost();
const workload = (client: S3Client) => sharedWorkload(client, BUCKET);

describe('fail-safe', () => {
  it.each([
    ['getTracer throws', providerThatThrows],
    ['startSpan throws', providerWithThrowingTracer],
  ])(
    '%s: every call returns what it returns without the plugin, and diag says why',
    async (_name, provider) => {
      const bare = await workload(createS3Client(s3.server.endpoint));
      diagMessages.length = 0;
      const client = createS3Client(s3.server.endpoint);
      client.middlewareStack.use(wirescope({ tracerProvider: provider }));
      const traced = await workload(client);
      expect(traced).toEqual(bare);
      expect(bare.missing?.name).toBe('NoSuchKey');
      await settle();
      expect(hostFailures).toEqual([]);
      expect(diagMessages.some((m) => m.includes('tracer exploded'))).toBe(true);
    },
  );
});

// Our socket hooks forced to throw from outside, as @opentelemetry contrib proves fail-safety: an SDK
// whose spans, tracer or span processor throw, and a Node built-in the hooks call that throws. No seam in
// the package: each fault reaches the hooks the way a broken SDK or runtime would.
describe('our socket hooks forced to throw', () => {
  const HTTP = '@wirescope/instrumentation-http';
  const HTTP_SRC = '/instrumentation-http/src/';

  /** Runs the workload under the plugin with `provider`; checks what the host sees. */
  async function underFault(provider: TracerProvider) {
    const bare = await workload(createS3Client(s3.server.endpoint));
    diagMessages.length = 0;
    const client = createS3Client(s3.server.endpoint);
    client.middlewareStack.use(wirescope({ tracerProvider: provider }));
    const traced = await workload(client);
    expect(traced).toEqual(bare);
    expect(bare.body).toBe('payload');
    await settle();
    expect(hostFailures).toEqual([]);
  }

  const ours = (needle: string) => diagMessages.some((m) => m.startsWith(HTTP) && m.includes(needle));

  const methodCases = [
    ['every method', SPAN_METHODS],
    ...SPAN_METHODS.map((method) => [method, [method]] as const),
  ] as const;

  it.each(methodCases)(
    'spans throw on %s: the SDK calls return the same, nothing reaches the host, every throw is logged',
    async (_name, methods) => {
      const faulty = faultyProvider({ methods });
      await underFault(faulty.provider);
      // Whatever threw was caught and logged: every faulty method that was called shows up in diag.
      for (const method of faulty.thrown.keys()) {
        expect(
          diagMessages.some((m) => m.includes(`span exploded on ${method}`)),
          method,
        ).toBe(true);
      }
      // Phase spans end in our hooks: with `end` faulty (and the attempt traced), ours say which.
      if (methods.length === 1 && methods[0] === 'end') expect(ours('dns lookup failed')).toBe(true);
    },
  );

  it.each(methodCases)(
    'spans throw on %s when our hooks call them: the SDK calls return the same, diag names our hook',
    async (_name, methods) => {
      const faulty = faultyProvider({ methods, from: HTTP_SRC });
      await underFault(faulty.provider);
      for (const method of faulty.thrown.keys()) {
        expect(diagMessages.some((m) => m.startsWith(HTTP) && m.includes(`span exploded on ${method}`))).toBe(
          true,
        );
      }
      // Our hooks end the phase spans they start: with `end` faulty, the first of them says which it was.
      // (Their facts go to the attempt scope, which the plugin writes to its span in one setAttributes.)
      if (methods.includes('end')) expect(ours('dns lookup failed')).toBe(true);
      // The plugin's spans are untouched: the operation is traced.
      expect(faulty.spans().filter((s) => s.name === 'S3.PutObject')).toHaveLength(1);
    },
  );

  it('startSpan throws for dns.lookup, tcp.connect, tls.handshake and http.response.body only', async () => {
    const faulty = faultyProvider({ startSpanFor: SOCKET_LAYER_SPANS });
    await underFault(faulty.provider);
    expect(faulty.thrown.get('startSpan')).toBeGreaterThanOrEqual(3);
    expect(ours('dns lookup failed')).toBe(true);
    expect(ours('tcp connect failed')).toBe(true);
    expect(ours('tls handshake failed')).toBe(true);
    expect(
      diagMessages.some(
        (m) =>
          m.startsWith('@wirescope/instrumentation could not record the response body span') &&
          m.includes('span exploded on startSpan'),
      ),
    ).toBe(true);
    // Only the socket layer's spans were refused: the operation and attempt spans are there.
    expect(faulty.spans().filter((s) => s.name === 'S3.PutObject')).toHaveLength(1);
    expect(faulty.spans().filter((s) => SOCKET_LAYER_SPANS.includes(s.name))).toEqual([]);
  });

  it.each(['onStart', 'onEnd'] as const)(
    'a span processor throws in %s: the SDK calls return the same, nothing reaches the host, diag says why',
    async (hook) => {
      const { provider, thrown } = providerWithThrowingProcessor(hook);
      await underFault(provider);
      expect(thrown()).toBeGreaterThan(0);
      expect(diagMessages.some((m) => m.includes(`processor exploded on ${hook}`))).toBe(true);
      // onEnd throws out of every phase span's end(): our hooks catch it and say which.
      if (hook === 'onEnd') expect(ours('dns lookup failed')).toBe(true);
    },
  );

  it('performance.now throws on each of its calls from our hooks in turn: same results, every throw logged', async () => {
    // The hooks read performance.now() (directly and through the kernel's clock). A spy on that Node
    // built-in throws on the k-th call made on our behalf (the stack passes through this package's
    // code), for every k the workload reaches, so each call site fails once.
    const original = performance.now.bind(performance);
    let calls = 0;
    let failAt = 0;
    let threw = false;
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => {
      if (calledFrom(HTTP_SRC)) {
        calls += 1;
        if (calls === failAt) {
          threw = true;
          throw new Error(`performance.now exploded (call ${calls})`);
        }
      }
      return original();
    });
    try {
      await underFault(tracing.provider); // failAt 0: counts the calls of a clean run
      const total = calls;
      expect(total).toBeGreaterThanOrEqual(10);
      let failed = 0;
      for (failAt = 1; failAt <= total; failAt++) {
        calls = 0;
        threw = false;
        await underFault(tracing.provider);
        if (!threw) continue; // a run that made fewer calls (timing): nothing to check
        failed += 1;
        expect(diagMessages.some((m) => m.includes(`performance.now exploded (call ${failAt})`))).toBe(true);
      }
      // Nearly every run reached its k-th call (a run may make a call or two fewer, by timing).
      expect(failed).toBeGreaterThanOrEqual(total - 2);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('no secrets in spans', () => {
  it('credentials, session token and the Authorization signature never appear', async () => {
    const client = createS3Client(s3.server.endpoint);
    client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
    await workload(client);
    const spans = tracing.spans();
    expect(spansNamed(spans, 'S3.GetObject')).toHaveLength(2);
    const text = allAttributeText(spans) + spans.map((s) => `${s.name} ${s.status.message ?? ''}`).join(' ');
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
  });
});
