// Issue 7: the fault matrix on the default NodeHttpHandler. Every fault runs twice, first WITHOUT the
// plugin (all bare runs happen in beforeAll, before any wirescope() call patches node:https), then
// WITH it: what the application sees (result, error name/code/message, $metadata.attempts) must be
// identical, the spans must classify the fault, and every attempt must have its span.
import type http from 'node:http';
import https from 'node:https';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler, type NodeHttpHandlerOptions } from '@smithy/node-http-handler';
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
const warnings: string[] = [];
const logger = { debug() {}, info() {}, warn: (m: unknown) => warnings.push(String(m)), error() {} };

const client = (endpoint: string, withPlugin: boolean, handler: NodeHttpHandlerOptions = {}): S3Client =>
  matrixClient(tracing, endpoint, withPlugin, new NodeHttpHandler({ logger, ...handler }));

const scenarios: Scenario[] = [
  {
    name: 'RST after idle',
    operation: 'S3.PutObject',
    run: (p) => staleSocketCalls(servers, 'resetAfterIdleMs', (e) => client(e, p)),
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
    expected: [
      { ok: true, attempts: 1 },
      { ok: true, attempts: 2 },
    ],
    attemptErrorType: 'ECONNRESET',
    secondCallReset: true,
  },
  {
    name: 'server closes mid-upload',
    operation: 'S3.PutObject',
    async run(p) {
      const c = client(`http://127.0.0.1:${servers.midUpload.port}`, p);
      // 1 MiB: below the SDK's 2 MiB Expect: 100-continue threshold, so the body is sent at once.
      const outcome = await put(c, 'big', new Uint8Array(1024 * 1024).fill(1));
      c.destroy();
      // EPIPE or ECONNRESET depending on which the kernel reports first: compare the class.
      if (outcome.errorCode === 'EPIPE' || outcome.errorCode === 'ECONNRESET') {
        outcome.errorCode = 'EPIPE|ECONNRESET';
        outcome.message = 'write EPIPE | read ECONNRESET';
      }
      return [outcome];
    },
    expected: [{ ok: false, attempts: 2, errorCode: 'EPIPE|ECONNRESET' }],
    attemptErrorType: /^(EPIPE|ECONNRESET)$/,
  },
  {
    name: 'connect timeout (loopback port that never accepts)',
    operation: 'S3.PutObject',
    async run(p) {
      const c = client(`http://127.0.0.1:${servers.blackHole.port}`, p, { connectionTimeout: 300 });
      const outcome = await put(c, 'k');
      c.destroy();
      return [outcome];
    },
    expected: [{ ok: false, attempts: 2, errorName: 'TimeoutError' }],
    attemptErrorType: 'CONNECT_TIMEOUT',
  },
  {
    name: 'server never answers, requestTimeout + throwOnRequestTimeout',
    operation: 'S3.PutObject',
    async run(p) {
      const c = client(`http://127.0.0.1:${servers.silent.port}`, p, {
        requestTimeout: 300,
        throwOnRequestTimeout: true,
      });
      const outcome = await put(c, 'k');
      c.destroy();
      return [outcome];
    },
    expected: [{ ok: false, attempts: 2, errorName: 'TimeoutError', errorCode: 'ETIMEDOUT' }],
    attemptErrorType: 'ETIMEDOUT',
  },
  {
    name: 'server never answers, requestTimeout only warns (socketTimeout ends it)',
    operation: 'S3.PutObject',
    async run(p) {
      warnings.length = 0;
      const c = client(`http://127.0.0.1:${servers.silent.port}`, p, {
        requestTimeout: 200,
        socketTimeout: 600,
      });
      const outcome = await put(c, 'k');
      c.destroy();
      outcome.message = `${outcome.message} | warnings: ${warnings.filter((w) => w.includes('requestTimeout')).length}`;
      return [outcome];
    },
    expected: [{ ok: false, attempts: 2, errorName: 'TimeoutError' }],
    attemptErrorType: 'SOCKET_TIMEOUT',
  },
  {
    name: 'maxSockets exhaustion (1 socket, 6 concurrent calls)',
    operation: 'S3.GetObject',
    async run(p) {
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
      const c = client(`https://localhost:${servers.slowProxy.port}`, p, { httpsAgent: agent });
      // Each body is read: an unread body holds the only socket (see 'Body left unread').
      const outcomes = await concurrentSeedGets(c, 6);
      c.destroy();
      return outcomes;
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
      const body = out.Body as http.IncomingMessage;
      // The call is over for the plugin; the body is the application's: untouched so far.
      await sleep(50);
      const state = `flowing=${body.readableFlowing} destroyed=${body.destroyed} consumed=${body.readableEnded}`;
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
    expected: [
      { ok: true, attempts: 1, message: 'flowing=null destroyed=false consumed=false body=seed-body' },
    ],
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
    expected: [{ ok: false, attempts: 2, errorCode: 'ENOTFOUND' }],
    attemptErrorType: 'ENOTFOUND',
  },
];

describeFaultMatrix('fault matrix, NodeHttpHandler', tracing, servers, scenarios);
