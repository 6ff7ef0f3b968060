// Issue 7: the fault matrix on FetchHttpHandler (Node's fetch, undici). Every fault runs twice, first
// WITHOUT the plugin (all bare runs happen in beforeAll, before any wirescope() call subscribes to
// undici's diagnostics channels), then WITH it: what the application sees (result, error name/code/message, $metadata.attempts) must be
// identical, the spans must classify the fault, and every attempt must have its span.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { FetchHttpHandler, type FetchHttpHandlerOptions } from '@smithy/fetch-http-handler';
import { sleep } from './support/fault-matrix.js';
import {
  concurrentSeedGets,
  describeFaultMatrix,
  FAULT_BUCKET,
  faultServers,
  matrixClient,
  putOutcome as put,
  type Scenario,
  staleSocketCalls,
} from './support/fault-matrix-harness.js';
import { createTestTracing } from './support/otel.js';

const tracing = createTestTracing();
const servers = faultServers();
const DISPATCHER = Symbol.for('undici.globalDispatcher.1');

const client = (endpoint: string, withPlugin: boolean, handler: FetchHttpHandlerOptions = {}): S3Client =>
  matrixClient(tracing, endpoint, withPlugin, new FetchHttpHandler(handler));

const scenarios: Scenario[] = [
  {
    name: 'RST after idle',
    operation: 'S3.PutObject',
    run: (p) => staleSocketCalls(servers, 'resetAfterIdleMs', (e) => client(e, p)),
    // undici reports ECONNRESET in the cause; the SDK retries it on a new connection.
    expected: [
      { ok: true, attempts: 1 },
      { ok: true, attempts: 2 },
    ],
    attemptErrorType: 'ECONNRESET',
    secondCallReset: true,
  },
  {
    name: 'FIN after idle',
    operation: 'S3.PutObject',
    run: (p) => staleSocketCalls(servers, 'finAfterIdleMs', (e) => client(e, p)),
    // "other side closed" (UND_ERR_SOCKET) is not retryable for the SDK: the call fails.
    expected: [
      { ok: true, attempts: 1 },
      { ok: false, attempts: 1, errorCode: 'UND_ERR_SOCKET' },
    ],
    attemptErrorType: 'UND_ERR_SOCKET',
    secondCallReset: true,
  },
  {
    name: 'server closes mid-upload',
    operation: 'S3.PutObject',
    async run(p) {
      const c = client(`http://127.0.0.1:${servers.midUpload.port}`, p);
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
      const c = client(`http://127.0.0.1:${servers.blackHole.port}`, p, { requestTimeout: 300 });
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
      const c = client(`http://127.0.0.1:${servers.silent.port}`, p, { requestTimeout: 300 });
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
        const c = client(`https://localhost:${servers.slowProxy.port}`, p);
        const outcomes = await concurrentSeedGets(c, 6);
        c.destroy();
        return outcomes;
      } finally {
        slot[DISPATCHER] = previous;
        await agent.close();
      }
    },
    expected: Array.from({ length: 6 }, () => ({ ok: true, attempts: 1, status: 200 })),
    minQueuedAttempts: 3,
  },
  {
    name: 'GetObject Body left unread',
    operation: 'S3.GetObject',
    async run(p) {
      const c = client(servers.s3.endpoint, p);
      const out = await c.send(new GetObjectCommand({ Bucket: FAULT_BUCKET, Key: 'seed' }));
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

describeFaultMatrix('fault matrix, FetchHttpHandler', tracing, servers, scenarios);
