// Issue 7: the fault matrix on FetchHttpHandler (Node's fetch, undici). Every fault runs twice, first
// WITHOUT the plugin (all bare runs happen in beforeAll, before any wirescope() call subscribes to
// undici's diagnostics channels), then WITH it: what the application sees (result, error name/code/message, $metadata.attempts) must be
// identical, the spans must classify the fault, and every attempt must have its span.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { FetchHttpHandler, type FetchHttpHandlerOptions } from '@smithy/fetch-http-handler';
import { wirescope } from '@wirescope/aws-sdk';
import { ATTR_CONNECTION_QUEUE_MS, ATTR_ERROR_TYPE, ATTR_SOCKET_RESET } from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import {
  type BlackHole,
  type CallOutcome,
  operations,
  outcomeOf,
  type RawServer,
  sleep,
  startBlackHole,
  startMidUploadCloser,
  startSilentServer,
} from './support/fault-matrix.js';
import { createTestTracing } from './support/otel.js';
import { createTestBucket, type S3ServerHandle, startS3Server } from './support/s3-server.js';
import { attr } from './support/span-query.js';
import { startTcpProxy, type TcpProxyHandle } from './support/tcp-proxy.js';

const tracing = createTestTracing();
const DISPATCHER = Symbol.for('undici.globalDispatcher.1');
const BUCKET = 'fault-matrix';
let s3: S3ServerHandle;
let slowProxy: TcpProxyHandle;
let midUpload: RawServer;
let silent: RawServer;
let blackHole: BlackHole;

interface Scenario {
  name: string;
  /** Operation span name of the calls. */
  operation: 'S3.PutObject' | 'S3.GetObject';
  /** Runs the calls on a fresh client; returns one outcome per call. */
  run(withPlugin: boolean): Promise<CallOutcome[]>;
  /** What the SDK does, asserted on both runs. */
  expected: Partial<CallOutcome>[];
  /** `error.type` of each failed attempt span (of every call). */
  attemptErrorType?: string | RegExp;
}

function client(
  endpoint: string,
  withPlugin: boolean,
  handler: FetchHttpHandlerOptions = {},
  maxAttempts = 2,
): S3Client {
  const c = createS3Client(endpoint, {
    maxAttempts,
    requestHandler: new FetchHttpHandler(handler),
  });
  if (withPlugin) c.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  return c;
}

const put = (c: S3Client, Key: string, Body: string | Uint8Array = 'x') =>
  outcomeOf(c.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body })));

/** put → idle → put through a fresh proxy: fetch's pool is process-wide, so a proxy shared by the
 * bare and the traced run would hand the traced run's first call a stale socket of the bare run. */
async function staleSocket(
  drop: 'resetAfterIdleMs' | 'finAfterIdleMs',
  withPlugin: boolean,
): Promise<CallOutcome[]> {
  const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: s3.port }, [drop]: 150 });
  try {
    const c = client(`https://localhost:${proxy.port}`, withPlugin);
    const first = await put(c, 'a');
    await sleep(300);
    const second = await put(c, 'b');
    c.destroy();
    return [first, second];
  } finally {
    await proxy.close();
  }
}

const scenarios: Scenario[] = [
  {
    name: 'RST after idle',
    operation: 'S3.PutObject',
    run: (p) => staleSocket('resetAfterIdleMs', p),
    // undici reports ECONNRESET in the cause; the SDK retries it on a new connection.
    expected: [
      { ok: true, attempts: 1 },
      { ok: true, attempts: 2 },
    ],
    attemptErrorType: 'ECONNRESET',
  },
  {
    name: 'FIN after idle',
    operation: 'S3.PutObject',
    run: (p) => staleSocket('finAfterIdleMs', p),
    // "other side closed" (UND_ERR_SOCKET) is not retryable for the SDK: the call fails.
    expected: [
      { ok: true, attempts: 1 },
      { ok: false, attempts: 1, errorCode: 'UND_ERR_SOCKET' },
    ],
    attemptErrorType: 'UND_ERR_SOCKET',
  },
  {
    name: 'server closes mid-upload',
    operation: 'S3.PutObject',
    async run(p) {
      const c = client(`http://127.0.0.1:${midUpload.port}`, p);
      const outcome = await put(c, 'big', new Uint8Array(1024 * 1024).fill(1));
      c.destroy();
      // Which code undici reports first depends on the kernel: compare the class.
      if (/^(EPIPE|ECONNRESET|UND_ERR_SOCKET)$/.test(outcome.errorCode ?? '')) {
        outcome.errorCode = 'EPIPE|ECONNRESET|UND_ERR_SOCKET';
        outcome.message = 'socket closed mid-upload';
      }
      return [outcome];
    },
    expected: [{ ok: false, attempts: 2, errorCode: 'EPIPE|ECONNRESET|UND_ERR_SOCKET' }],
    attemptErrorType: /^(EPIPE|ECONNRESET|UND_ERR_SOCKET)$/,
  },
  {
    name: 'connect timeout (loopback port that never accepts), requestTimeout',
    operation: 'S3.PutObject',
    async run(p) {
      const c = client(`http://127.0.0.1:${blackHole.port}`, p, { requestTimeout: 300 });
      const outcome = await put(c, 'k');
      c.destroy();
      return [outcome];
    },
    expected: [{ ok: false, attempts: 2, errorName: 'TimeoutError' }],
    attemptErrorType: 'REQUEST_TIMEOUT',
  },
  {
    name: 'server never answers, requestTimeout',
    operation: 'S3.PutObject',
    async run(p) {
      const c = client(`http://127.0.0.1:${silent.port}`, p, { requestTimeout: 300 });
      const outcome = await put(c, 'k');
      c.destroy();
      return [outcome];
    },
    expected: [{ ok: false, attempts: 2, errorName: 'TimeoutError' }],
    attemptErrorType: 'REQUEST_TIMEOUT',
  },
  {
    name: 'pool exhaustion (undici Agent connections: 1, 6 concurrent calls)',
    operation: 'S3.GetObject',
    async run(p) {
      // FetchHttpHandler has no maxSockets: the limit is the fetch dispatcher's. Node 20's fetch takes
      // the global dispatcher from this symbol; npm undici's Agent (imported here only: importing
      // undici at the top would install its own Agent for every fetch) limits connections to one.
      const slot = globalThis as unknown as Record<symbol, unknown>;
      const previous = slot[DISPATCHER];
      const { Agent } = await import('undici');
      const agent = new Agent({ connections: 1 });
      slot[DISPATCHER] = agent;
      try {
        const c = client(`https://localhost:${slowProxy.port}`, p);
        const outcomes = await Promise.all(
          Array.from({ length: 6 }, () =>
            outcomeOf(
              c.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'seed' })).then(async (out) => {
                await out.Body?.transformToString();
                return out;
              }),
            ),
          ),
        );
        c.destroy();
        return outcomes;
      } finally {
        slot[DISPATCHER] = previous;
        await agent.close();
      }
    },
    expected: Array.from({ length: 6 }, () => ({ ok: true, attempts: 1, status: 200 })),
  },
  {
    name: 'GetObject Body left unread',
    operation: 'S3.GetObject',
    async run(p) {
      const c = client(s3.endpoint, p);
      const out = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'seed' }));
      const body = out.Body as unknown as ReadableStream;
      // The call is over for the plugin; the body is the application's: untouched so far.
      await sleep(50);
      const state = `locked=${body.locked}`;
      const text = await out.Body?.transformToString();
      c.destroy();
      return [
        {
          ok: true,
          attempts: out.$metadata.attempts,
          status: out.$metadata.httpStatusCode,
          message: `${state} body=${text}`,
        },
      ];
    },
    expected: [{ ok: true, attempts: 1, message: 'locked=false body=seed-body' }],
  },
  {
    name: 'host name that does not resolve (ENOTFOUND)',
    operation: 'S3.PutObject',
    async run(p) {
      const c = client('http://wirescope-fault-matrix.invalid:8080', p);
      const outcome = await put(c, 'k');
      c.destroy();
      return [outcome];
    },
    // fetch wraps it (`TypeError: fetch failed`, cause ENOTFOUND); the SDK still retries.
    expected: [{ ok: false, attempts: 2, errorName: 'TypeError', errorCode: 'ENOTFOUND' }],
    attemptErrorType: 'ENOTFOUND',
  },
];

const bare = new Map<string, CallOutcome[]>();

beforeAll(async () => {
  s3 = await startS3Server();
  const setup = createS3Client(s3.endpoint);
  await createTestBucket(setup, BUCKET);
  await setup.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'seed', Body: 'seed-body' }));
  setup.destroy();
  const target = { host: '127.0.0.1', port: s3.port };
  slowProxy = await startTcpProxy({ target, latencyMs: 20 });
  midUpload = await startMidUploadCloser(64 * 1024);
  silent = await startSilentServer();
  blackHole = await startBlackHole();
  // Every bare run before the first wirescope() call: the plugin's socket hooks are process-wide.
  for (const scenario of scenarios) bare.set(scenario.name, await scenario.run(false));
}, 60_000);

// WIRESCOPE_PRINT_MATRIX=1 prints what each fault did (for bench/RESULTS.md).
const matrix: { fault: string; outcome: string; attemptErrorTypes: string }[] = [];

afterAll(async () => {
  if (process.env['WIRESCOPE_PRINT_MATRIX']) console.table(matrix);
  await Promise.all([slowProxy, midUpload, silent, blackHole].map((s) => s?.close()));
  await s3?.close();
  await tracing.shutdown();
});

describe('fault matrix, FetchHttpHandler', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const without = bare.get(scenario.name)!;
    expect(without).toMatchObject(scenario.expected);

    tracing.reset();
    const traced = await scenario.run(true);
    // The application sees exactly the same thing with the plugin.
    expect(traced).toEqual(without);

    // Nothing lost: one operation span per call, one attempt span per SDK attempt.
    const ops = operations(tracing.spans(), scenario.operation);
    expect(ops).toHaveLength(traced.length);
    expect(ops.map((o) => o.attempts.length).sort()).toEqual(traced.map((o) => o.attempts).sort());

    // The spans classify the fault.
    for (const { op, attempts } of ops) {
      const failed = attempts.filter((a) => a.status.code === 2);
      if (scenario.attemptErrorType === undefined) {
        expect(failed).toHaveLength(0);
        continue;
      }
      for (const attempt of failed)
        expect(String(attr(attempt, ATTR_ERROR_TYPE))).toMatch(scenario.attemptErrorType);
      if (op.status.code === 2) expect(String(attr(op, ATTR_ERROR_TYPE))).toMatch(scenario.attemptErrorType);
    }
    matrix.push({
      fault: scenario.name,
      outcome: traced
        .map((o) => (o.ok ? `ok/${o.attempts}` : `${o.errorName}(${o.errorCode ?? '-'})/${o.attempts}`))
        .join(' '),
      attemptErrorTypes: ops
        .flatMap((o) => o.attempts.map((a) => String(attr(a, ATTR_ERROR_TYPE) ?? 'ok')))
        .join(','),
    });
    if (scenario.name.includes('idle')) {
      const stale = ops[1]!.attempts[0]!;
      expect(attr(stale, ATTR_SOCKET_RESET)).toBe(true);
    }
    if (scenario.name.startsWith('pool exhaustion')) {
      const queued = ops
        .flatMap((o) => o.attempts)
        .filter((a) => Number(attr(a, ATTR_CONNECTION_QUEUE_MS)) > 0);
      expect(queued.length).toBeGreaterThanOrEqual(3);
    }
  });
});
