/**
 * Records the analyzer's trace fixtures (test/fixtures/<scenario>.{otlp.json,otlp.jsonl,jaeger.json}):
 * the real @wirescope/aws-sdk plugin against local servers (s3rver, the latency/drop TCP proxy, and a
 * tiny S3 look-alike below for 301 redirects, 503 SlowDown and a slow TLS handshake).
 * Run: node --conditions=@wirescope/source --import tsx scripts/record-fixtures.ts [scenario…]
 * It re-runs itself with NODE_EXTRA_CA_CERTS naming a fresh test certificate: the SDK's one-off
 * agent for 100-continue uploads ignores a custom `ca` (FIELD-NOTES), Node reads the variable at start.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { analyze, regionRttMs, wireSpanFromReadable } from '@wirescope/analyzer';
import { type WirescopeOptions, wirescope } from '@wirescope/aws-sdk';
import { HttpConnectionInstrumentation } from '@wirescope/instrumentation-http';
import { createS3Client, type TestClientOptions } from '../test/support/clients.js';
import { createTestTracing, type TestTracing } from '../test/support/otel.js';
import { createTestBucket, type S3ServerHandle, startS3Server } from '../test/support/s3-server.js';
import { startTcpProxy, type TcpProxyHandle } from '../test/support/tcp-proxy.js';
import {
  CERT_FILE_ENV,
  generateTestCertificate,
  KEY_FILE_ENV,
  testCertificate,
  writeTestCertificate,
} from '../test/support/tls-cert.js';
import { toJaegerJson, toOtlpJson, toOtlpJsonLines } from '../test/support/trace-formats.js';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const BUCKET = 'fixtures';
const CALLER = 'us-east-1';

/** What a scenario gets: s3rver, a way to add the plugin, and a place to register clean-ups. */
interface Ctx {
  s3: S3ServerHandle;
  /** `https://127.0.0.1:<s3rver>`: an IP literal, so no dns.lookup per connection. */
  s3Ip: string;
  client(endpoint: string, options?: TestClientOptions, plugin?: WirescopeOptions): S3Client;
  proxy(options: Omit<Parameters<typeof startTcpProxy>[0], 'target'>): Promise<TcpProxyHandle>;
  lookAlike(options: LookAlikeOptions): Promise<string>;
}

const put = (c: S3Client, key: string, body: string | Buffer = 'wirescope fixture') =>
  c.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
const get = async (c: S3Client, key: string) =>
  (await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString();

const SCENARIOS: Record<string, (ctx: Ctx) => Promise<void>> = {
  async 'healthy-keep-alive'({ s3, client }) {
    const c = client(s3.endpoint);
    for (let i = 0; i < 3; i++) await put(c, `healthy/${i}`);
    for (let i = 0; i < 2; i++) await get(c, `healthy/${i}`);
  },
  async 'healthy-fetch'({ s3, client }) {
    const c = client(s3.endpoint, { handler: 'fetch' });
    for (let i = 0; i < 3; i++) await put(c, `healthy/${i}`);
    for (let i = 0; i < 2; i++) await get(c, `healthy/${i}`);
  },
  async 'connection-churn'({ s3Ip, client }) {
    // A new client (and agent) per request, as in a Lambda handler that builds its client inside.
    for (let i = 0; i < 5; i++) await put(client(s3Ip), `churn/${i}`);
  },
  async 'stale-connection-reset'({ client, proxy }) {
    const p = await proxy({ resetAfterIdleMs: 200 });
    const c = client(`https://127.0.0.1:${p.port}`);
    await put(c, 'stale/0');
    for (let i = 1; i < 3; i++) {
      await sleep(400);
      await put(c, `stale/${i}`);
    }
  },
  async 'expect-continue-no-reuse'({ s3Ip, client }) {
    const c = client(s3Ip);
    await put(c, 'large/small');
    const body = Buffer.alloc(3 * 1024 * 1024, 7);
    for (let i = 0; i < 2; i++) await put(c, `large/${i}`, body);
  },
  async 'dns-lookup-per-connection'({ s3, client }) {
    const httpsAgent = new https.Agent({ keepAlive: false });
    const c = client(s3.endpoint, { httpsAgent });
    for (let i = 0; i < 5; i++) await put(c, `dns/${i}`);
  },
  async 'socket-pool-saturation'({ client, proxy }) {
    const p = await proxy({ latencyMs: 25 });
    const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const c = client(`https://127.0.0.1:${p.port}`, { httpsAgent });
    await Promise.all([0, 1, 2, 3].map((i) => put(c, `pool/${i}`)));
  },
  async 'cross-region'({ client, proxy }) {
    const rtt = regionRttMs(CALLER, 'us-west-2') as number;
    const p = await proxy({ latencyMs: rtt / 2 });
    const c = client(`https://127.0.0.1:${p.port}`, { region: 'us-west-2' });
    for (let i = 0; i < 3; i++) await put(c, `far/${i}`);
  },
  async 'unretried-socket-error'({ client, proxy }) {
    const p = await proxy({ finAfterIdleMs: 200 });
    const c = client(`https://127.0.0.1:${p.port}`, { handler: 'fetch' });
    for (let round = 0; round < 2; round++) {
      await put(c, `fin/${round}`);
      await sleep(400);
      await put(c, `fin/${round}-late`).then(
        () => console.warn('  expected UND_ERR_SOCKET, the call succeeded'),
        () => undefined,
      );
    }
  },
  async 'slow-handshake'({ client, lookAlike }) {
    const endpoint = await lookAlike({ handshakeDelayMs: 600 });
    const c = client(endpoint);
    for (let i = 0; i < 3; i++) await put(c, `slow/${i}`);
  },
  async 'region-redirect'({ client, lookAlike }) {
    // The code runs in eu-west-1 next to its bucket, but the client was made for us-east-1.
    const endpoint = await lookAlike({ bucketRegion: 'eu-west-1' });
    const c = client(endpoint, { followRegionRedirects: true }, { callerRegion: 'eu-west-1' });
    for (let i = 0; i < 2; i++) await get(c, `moved/${i}`);
  },
  async 'hot-prefix'({ client, lookAlike }) {
    const endpoint = await lookAlike({ slowDownFirst: true });
    const c = client(endpoint, {}, { s3KeyPrefixLength: 4 });
    for (let i = 0; i < 3; i++) await put(c, `hot/${i}`);
  },
  async 'unconsumed-body'({ s3Ip, client }) {
    // Issue 18: two GetObject bodies left unread hold both sockets of a maxSockets 2 agent; a third GET
    // queues until the app reads the first one, UNREAD_HOLD_MS later. A short grace period (beside the
    // plugin: the shortest asked for wins) makes the unread outcome come quickly.
    const grace = new HttpConnectionInstrumentation({ recordOnActiveSpan: false, bodyGracePeriodMs: 200 });
    try {
      const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 2 });
      const c = client(s3Ip, { httpsAgent });
      for (let i = 0; i < 2; i++) await put(c, `unread/${i}`);
      const first = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'unread/0' }));
      const second = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'unread/1' }));
      await sleep(600);
      const third = get(c, 'unread/0');
      await sleep(UNREAD_HOLD_MS);
      await first.Body?.transformToString();
      await third;
      await second.Body?.transformToString();
      httpsAgent.destroy();
    } finally {
      grace.disable();
    }
  },
  async 'no-timeout'({ client, lookAlike }) {
    // Issue 18: the default Node handler (no timeout in effect) against a server that never answers;
    // the app stops the call itself after APP_ABORT_MS.
    const endpoint = await lookAlike({ neverAnswer: true });
    const call = client(endpoint).send(new PutObjectCommand({ Bucket: BUCKET, Key: 'hang/0', Body: 'x' }), {
      abortSignal: AbortSignal.timeout(APP_ABORT_MS),
    });
    await call.then(
      () => console.warn('  expected the app to abort the call, it succeeded'),
      () => undefined,
    );
  },
  async 'expect-continue-timeout'({ client, lookAlike }) {
    // Issue 18: a 3 MiB upload gets `Expect: 100-continue`; the look-alike never answers it, so the SDK
    // sends the body when its fallback timer fires (6 s).
    const endpoint = await lookAlike({ neverContinue: true });
    await put(client(endpoint), 'continue/0', Buffer.alloc(3 * 1024 * 1024, 7));
  },
};

/** no-timeout: the app's own limit on its one call to a server that never answers. */
const APP_ABORT_MS = 3000;

/** How long the unconsumed-body scenario leaves its third GET queued before reading a body. */
const UNREAD_HOLD_MS = 400;

interface LookAlikeOptions {
  /** Answer 301 PermanentRedirect unless the request is signed for this region. */
  bucketRegion?: string;
  /** Answer the first request for each key 503 SlowDown. */
  slowDownFirst?: boolean;
  /** Hold the ClientHello this long before answering (a starved CPU or a slow TLS terminator). */
  handshakeDelayMs?: number;
  /** Never answer `Expect: 100-continue`: read whatever body comes, then answer. */
  neverContinue?: boolean;
  /** Read the request and never answer it. */
  neverAnswer?: boolean;
}

function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/** A tiny HTTPS server that answers like S3 for the cases s3rver cannot play. */
async function startLookAlike(
  options: LookAlikeOptions,
): Promise<{ endpoint: string; server: https.Server }> {
  const certificate = testCertificate();
  const seen = new Set<string>();
  const delay = options.handshakeDelayMs;
  const server = https.createServer(
    {
      ...certificate,
      ...(delay !== undefined
        ? {
            SNICallback: (_name: string, done: (e: Error | null, c?: tls.SecureContext) => void) =>
              setTimeout(() => done(null, tls.createSecureContext(certificate)), delay),
          }
        : {}),
    },
    (req, res) => {
      req.resume();
      if (options.neverAnswer) return;
      req.on('end', () => {
        const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\//.exec(req.headers.authorization ?? '');
        const headers = { 'content-type': 'application/xml', 'x-amz-request-id': `req${seen.size}` };
        if (options.bucketRegion && scope?.[1] !== options.bucketRegion) {
          res.writeHead(301, { ...headers, 'x-amz-bucket-region': options.bucketRegion });
          res.end(s3Error('PermanentRedirect', 'The bucket is in another region.'));
          return;
        }
        if (options.slowDownFirst && !seen.has(req.url ?? '')) {
          seen.add(req.url ?? '');
          res.writeHead(503, headers);
          res.end(s3Error('SlowDown', 'Please reduce your request rate.'));
          return;
        }
        const region = options.bucketRegion ? { 'x-amz-bucket-region': options.bucketRegion } : {};
        res.writeHead(200, { ...region, 'content-type': 'text/plain', etag: '"0"' });
        res.end(req.method === 'GET' ? 'look-alike body' : '');
      });
    },
  );
  // With a 'checkContinue' listener Node no longer answers 100 Continue by itself.
  if (options.neverContinue) server.on('checkContinue', (req, res) => server.emit('request', req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { endpoint: `https://localhost:${(server.address() as AddressInfo).port}`, server };
}

/**
 * Jaeger keeps microseconds: cut every time to whole microseconds first, so the three forms of a
 * fixture carry the same numbers and give the same findings to the last digit.
 */
function toMicros(span: ReadableSpan): ReadableSpan {
  const cut = (t: readonly [number, number]): [number, number] => [t[0], t[1] - (t[1] % 1000)];
  const startTime = cut(span.startTime);
  const endTime = cut(span.endTime);
  const ns = (endTime[0] - startTime[0]) * 1e9 + (endTime[1] - startTime[1]);
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime,
    endTime,
    duration: [Math.floor(ns / 1e9), ns % 1e9],
    status: span.status,
    attributes: span.attributes,
    links: span.links,
    events: span.events.map((event) => ({ ...event, time: cut(event.time) })),
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

async function record(name: string, run: (ctx: Ctx) => Promise<void>, s3: S3ServerHandle): Promise<void> {
  const tracing: TestTracing = createTestTracing();
  const closers: Array<() => unknown> = [];
  const ctx: Ctx = {
    s3,
    s3Ip: `https://127.0.0.1:${s3.port}`,
    client(endpoint, options = {}, plugin = {}) {
      const c = createS3Client(endpoint, options);
      c.middlewareStack.use(wirescope({ tracerProvider: tracing.provider, callerRegion: CALLER, ...plugin }));
      closers.push(() => c.destroy());
      return c;
    },
    async proxy(options) {
      const p = await startTcpProxy({ target: { host: '127.0.0.1', port: s3.port }, ...options });
      closers.push(() => p.close());
      return p;
    },
    async lookAlike(options) {
      const { endpoint, server } = await startLookAlike(options);
      closers.push(() => {
        server.closeAllConnections();
        server.close();
      });
      return endpoint;
    },
  };
  try {
    await run(ctx);
  } finally {
    for (const close of closers.reverse()) await close();
  }
  await tracing.provider.forceFlush();
  const spans = tracing.spans().map(toMicros);
  await tracing.shutdown();
  writeFileSync(join(FIXTURES, `${name}.otlp.json`), toOtlpJson(spans));
  writeFileSync(join(FIXTURES, `${name}.otlp.jsonl`), toOtlpJsonLines(spans));
  writeFileSync(join(FIXTURES, `${name}.jaeger.json`), `${toJaegerJson(spans)}\n`);
  const result = await analyze(spans.map((span) => wireSpanFromReadable(span)));
  const codes = result.findings.map((f) => `${f.code} (${f.costMs} ms)`).join(', ') || 'no findings';
  console.log(`${name}: ${spans.length} spans → ${codes}`);
}

async function main(names: string[]): Promise<void> {
  const unknown = names.filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
  mkdirSync(FIXTURES, { recursive: true });
  const s3 = await startS3Server();
  try {
    const setup = createS3Client(s3.endpoint);
    await createTestBucket(setup, BUCKET);
    setup.destroy();
    for (const [name, run] of Object.entries(SCENARIOS)) {
      if (names.length === 0 || names.includes(name)) await record(name, run, s3);
    }
  } finally {
    await s3.close();
  }
}

/** Re-runs this script with NODE_EXTRA_CA_CERTS (and the cert files for the servers) set. */
async function reExec(): Promise<number> {
  const { dir, keyFile, certFile } = writeTestCertificate(await generateTestCertificate());
  try {
    const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: certFile,
        [CERT_FILE_ENV]: certFile,
        [KEY_FILE_ENV]: keyFile,
      },
    });
    return child.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env[CERT_FILE_ENV] && process.env['NODE_EXTRA_CA_CERTS']) {
  await main(process.argv.slice(2));
} else {
  process.exitCode = await reExec();
}
