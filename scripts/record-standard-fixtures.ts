/**
 * Records traces made by the STANDARD OpenTelemetry instrumentations (@opentelemetry/instrumentation-
 * aws-sdk, -http, -undici, -dns, -net), alone and beside the wirescope plugin, for real S3 PutObject
 * calls against a local s3rver: test/fixtures/standard/<scenario>.otlp.json (OTLP/HTTP JSON, as the
 * OTLP exporter sends it and the collector's file exporter writes it). See test/fixtures/standard/README.md.
 * Run: node --conditions=@wirescope/source --import tsx scripts/record-standard-fixtures.ts [scenario…]
 *
 * Two levels of process:
 * - the parent generates a test certificate, starts s3rver over HTTPS and over HTTP (and the latency
 *   proxy), creates the bucket, and runs one child per scenario. Nothing is instrumented here, so
 *   s3rver's SERVER spans are never made at all.
 * - each child (this file again, with WIRESCOPE_STD_SCENARIO set and NODE_EXTRA_CA_CERTS naming the
 *   certificate) registers the instrumentations FIRST and only then loads node:dns, node:net,
 *   node:http(s) and the AWS SDK (dynamic imports below), as an app started with
 *   `--import ./otel.js` does. Each scenario so gets a fresh module state, a fresh undici pool and
 *   fresh TLS session caches. Only type imports and modules that load no network code are static.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/standard/', import.meta.url));
const BUCKET = 'standard';
const CALLS = 8;
const BODY = 'wirescope standard fixture';
/** Each way: 64 ms round trip, about us-east-1 ↔ us-west-2. */
const NEAR_PROXY_LATENCY_MS = 32;

const SCENARIO_ENV = 'WIRESCOPE_STD_SCENARIO';
const ENDPOINTS_ENV = 'WIRESCOPE_STD_ENDPOINTS';

/** Where the parent's servers listen (all on 127.0.0.1, named `localhost` so DNS lookups happen). */
interface Endpoints {
  https: string;
  http: string;
  /** `https://localhost:<proxy>`: the latency proxy in front of the HTTPS s3rver. */
  nearProxy: string;
  /** `https://localhost:<proxy>`: a proxy that resets (RST) connections idle longer than 200 ms. */
  resetting: string;
  /** `https://localhost:<proxy>`: a proxy that closes (FIN, no response) connections idle over 200 ms. */
  closing: string;
}

/** Idle time after which the resetting and closing proxies drop a connection, and the pause that passes it. */
const IDLE_DROP_MS = 200;
const IDLE_PAUSE_MS = 400;

/** Which instrumentations a scenario registers. */
type Setup = 'standard' | 'mixed' | 'wirescope';

interface Scenario {
  setup: Setup;
  /** `cloud.region` of the resource (where the code runs), when the scenario names one. */
  resourceRegion?: string;
  run(lib: Lib, endpoints: Endpoints): Promise<void>;
}

/** The modules a child loads after its instrumentations are registered. */
async function loadLib() {
  const require = createRequire(import.meta.url);
  // The dns and net instrumentations patch these when they are required after registration.
  require('node:dns');
  require('node:net');
  const http = await import('node:http');
  const https = await import('node:https');
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  const { wirescope } = await import('@wirescope/aws-sdk');
  const { createS3Client } = await import('../test/support/clients.js');
  return { http, https, PutObjectCommand, NodeHttpHandler, wirescope, createS3Client };
}
type Lib = Awaited<ReturnType<typeof loadLib>>;

/** The scenario's setup, read by {@link client}: 'mixed' and 'wirescope' add the plugin. */
let currentSetup: Setup = 'standard';
const clients: S3Client[] = [];

function client(lib: Lib, endpoint: string, options: Parameters<Lib['createS3Client']>[1] = {}): S3Client {
  const c = lib.createS3Client(endpoint, options);
  if (currentSetup !== 'standard') c.middlewareStack.use(lib.wirescope());
  clients.push(c);
  return c;
}

async function puts(lib: Lib, c: S3Client | (() => S3Client), prefix: string, pauseMs = 0): Promise<void> {
  for (let i = 0; i < CALLS; i++) {
    const target = typeof c === 'function' ? c() : c;
    await target.send(new lib.PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${i}`, Body: BODY }));
    if (pauseMs > 0) await sleep(pauseMs);
  }
}

/** NodeHttpHandler with a keep-alive-off https agent: a new connection (DNS + TCP + TLS) per call. */
const churnHttps = async (lib: Lib, e: Endpoints, prefix: string) =>
  puts(lib, client(lib, e.https, { httpsAgent: new lib.https.Agent({ keepAlive: false }) }), prefix);
/** The SDK's default NodeHttpHandler (keepAlive true): one connection for all calls. */
const reuseHttps = async (lib: Lib, e: Endpoints, prefix: string) => puts(lib, client(lib, e.https), prefix);

// Node's fetch keeps its pool in the global dispatcher, Node's bundled undici Agent, stored under this
// symbol on first use. A new client or FetchHttpHandler does not give a new pool.
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');
interface Closable {
  close(): Promise<void>;
}

/**
 * After each call: replace Node's global undici dispatcher with a NEW Agent of the same (bundled)
 * class and close the old one, so the next fetch opens a new connection. The first call creates the
 * global dispatcher itself.
 */
async function freshFetchPool(): Promise<void> {
  const slots = globalThis as unknown as Record<symbol, Closable | undefined>;
  const previous = slots[GLOBAL_DISPATCHER];
  if (!previous) throw new Error('Node did not install its global undici dispatcher');
  const Agent = previous.constructor as new () => Closable;
  slots[GLOBAL_DISPATCHER] = new Agent();
  await previous.close();
}

const SCENARIOS: Record<string, Scenario> = {
  'std-churn-https': { setup: 'standard', run: (lib, e) => churnHttps(lib, e, 'churn-https') },
  'std-reuse-https': { setup: 'standard', run: (lib, e) => reuseHttps(lib, e, 'reuse-https') },
  'std-churn-http': {
    setup: 'standard',
    run: (lib, e) =>
      puts(
        lib,
        client(lib, e.http, {
          requestHandler: new lib.NodeHttpHandler({ httpAgent: new lib.http.Agent({ keepAlive: false }) }),
        }),
        'churn-http',
      ),
  },
  'std-reuse-fetch': {
    setup: 'standard',
    // The pause lets undici put the connection back in the pool before the next call.
    run: (lib, e) => puts(lib, client(lib, e.https, { handler: 'fetch' }), 'reuse-fetch', 30),
  },
  'std-churn-fetch': {
    setup: 'standard',
    async run(lib, e) {
      const c = client(lib, e.https, { handler: 'fetch' });
      for (let i = 0; i < CALLS; i++) {
        await c.send(new lib.PutObjectCommand({ Bucket: BUCKET, Key: `churn-fetch/${i}`, Body: BODY }));
        await sleep(30);
        await freshFetchPool();
      }
    },
  },
  'std-cross-region-config': {
    setup: 'standard',
    resourceRegion: 'us-east-1',
    run: (lib, e) => puts(lib, client(lib, e.https, { region: 'eu-west-1' }), 'cross-region'),
  },
  'std-near-proxy': {
    setup: 'standard',
    resourceRegion: 'us-east-1',
    run: (lib, e) => puts(lib, client(lib, e.nearProxy, { region: 'us-east-1' }), 'near-proxy'),
  },
  // Keep-alive through a proxy that resets idle connections: every call after a pause writes into a
  // reset socket (read ECONNRESET), and the SDK retries it on a new connection.
  'std-stale-reset-https': {
    setup: 'standard',
    run: (lib, e) => puts(lib, client(lib, e.resetting), 'stale-reset', IDLE_PAUSE_MS),
  },
  // Fetch through a proxy that closes idle connections with a FIN: undici fails the call with
  // UND_ERR_SOCKET "other side closed", which the SDK does not retry.
  'std-unretried-fin-fetch': {
    setup: 'standard',
    async run(lib, e) {
      const c = client(lib, e.closing, { handler: 'fetch' });
      for (let i = 0; i < CALLS; i++) {
        await c
          .send(new lib.PutObjectCommand({ Bucket: BUCKET, Key: `fin/${i}`, Body: BODY }))
          .catch(() => undefined);
        await sleep(IDLE_PAUSE_MS);
      }
    },
  },
  'mixed-churn-https': { setup: 'mixed', run: (lib, e) => churnHttps(lib, e, 'mixed-churn-https') },
  'mixed-reuse-https': { setup: 'mixed', run: (lib, e) => reuseHttps(lib, e, 'mixed-reuse-https') },
  'wirescope-churn-https': {
    setup: 'wirescope',
    run: (lib, e) => churnHttps(lib, e, 'wirescope-churn-https'),
  },
};

/** The five standard instrumentations, default configuration (as an app would construct them). */
async function standardInstrumentations(): Promise<Instrumentation[]> {
  const { AwsInstrumentation } = await import('@opentelemetry/instrumentation-aws-sdk');
  const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici');
  const { DnsInstrumentation } = await import('@opentelemetry/instrumentation-dns');
  const { NetInstrumentation } = await import('@opentelemetry/instrumentation-net');
  return [
    new AwsInstrumentation(),
    new HttpInstrumentation(),
    new UndiciInstrumentation(),
    new DnsInstrumentation(),
    new NetInstrumentation(),
  ];
}

/** Header names and credentials that must never appear in a fixture. */
function secretsIn(text: string): string[] {
  const needles = [
    'authorization',
    'x-amz-security-token',
    'x-amz-signature',
    'AKIDWIRESCOPETEST0001',
    'wirescope/test/SECRET',
    'wirescope-test-SESSION',
  ];
  const lower = text.toLowerCase();
  return needles.filter((needle) => lower.includes(needle.toLowerCase()));
}

/** Child: one scenario, instrumentations first, then the SDK; writes the fixture. */
async function child(name: string, endpoints: Endpoints): Promise<void> {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`unknown scenario ${name}`);
  currentSetup = scenario.setup;
  const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
  const { InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { registerInstrumentations } = await import('@opentelemetry/instrumentation');
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'wirescope-standard-fixtures',
      'service.instance.id': name,
      ...(scenario.resourceRegion ? { 'cloud.region': scenario.resourceRegion } : {}),
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  // The global provider, an AsyncLocalStorage context manager and the W3C propagator.
  provider.register();
  if (scenario.setup !== 'wirescope') {
    registerInstrumentations({
      tracerProvider: provider,
      instrumentations: await standardInstrumentations(),
    });
  }
  const lib = await loadLib();
  try {
    await scenario.run(lib, endpoints);
  } finally {
    for (const c of clients) c.destroy();
  }
  // Response bodies end after the calls return: let the last HTTP spans end.
  await sleep(200);
  await provider.forceFlush();
  const { clientSide, spanTree } = await import('../test/support/otel-interop.js');
  const { toOtlpJson } = await import('../test/support/trace-formats.js');
  const spans: ReadableSpan[] = clientSide(exporter.getFinishedSpans());
  await provider.shutdown();
  const text = `${toOtlpJson(spans)}\n`;
  const leaks = secretsIn(text);
  if (leaks.length > 0) throw new Error(`${name}: the spans hold ${leaks.join(', ')}: not written`);
  writeFileSync(join(FIXTURES, `${name}.otlp.json`), text);
  const tree = spanTree(spans).split('\n');
  const shown = tree.length > 24 ? [...tree.slice(0, 24), `  … ${tree.length - 24} more lines`] : tree;
  console.log(`${name}: ${spans.length} spans, ${Math.round(text.length / 1024)} KB\n${shown.join('\n')}`);
}

/** Parent: certificate, servers, bucket; one child process per scenario. */
async function parent(names: string[]): Promise<number> {
  const unknown = names.filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);
  const { CERT_FILE_ENV, KEY_FILE_ENV, generateTestCertificate, writeTestCertificate } = await import(
    '../test/support/tls-cert.js'
  );
  const { dir, keyFile, certFile } = writeTestCertificate(await generateTestCertificate());
  // testCertificate() (s3rver's key pair) reads these.
  process.env[CERT_FILE_ENV] = certFile;
  process.env[KEY_FILE_ENV] = keyFile;
  const https = await import('node:https');
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  const { createS3Client } = await import('../test/support/clients.js');
  const { createTestBucket, startS3Server } = await import('../test/support/s3-server.js');
  const { startTcpProxy } = await import('../test/support/tcp-proxy.js');
  mkdirSync(FIXTURES, { recursive: true });
  const secure = await startS3Server();
  const plain = await startS3Server({ tls: false });
  const proxy = await startTcpProxy({
    target: { host: '127.0.0.1', port: secure.port },
    latencyMs: NEAR_PROXY_LATENCY_MS,
  });
  const resetting = await startTcpProxy({
    target: { host: '127.0.0.1', port: secure.port },
    resetAfterIdleMs: IDLE_DROP_MS,
  });
  const closing = await startTcpProxy({
    target: { host: '127.0.0.1', port: secure.port },
    finAfterIdleMs: IDLE_DROP_MS,
  });
  let failed = 0;
  try {
    const ca = readFileSync(certFile, 'utf8');
    const requestHandler = new NodeHttpHandler({ httpsAgent: new https.Agent({ ca }) });
    for (const [endpoint, handler] of [
      [secure.endpoint, requestHandler],
      [plain.endpoint, undefined],
    ] as const) {
      const setup = createS3Client(endpoint, handler ? { requestHandler: handler } : {});
      await createTestBucket(setup, BUCKET);
      setup.destroy();
    }
    const endpoints: Endpoints = {
      https: secure.endpoint,
      http: plain.endpoint,
      nearProxy: `https://localhost:${proxy.port}`,
      resetting: `https://localhost:${resetting.port}`,
      closing: `https://localhost:${closing.port}`,
    };
    for (const name of Object.keys(SCENARIOS)) {
      if (names.length > 0 && !names.includes(name)) continue;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        NODE_EXTRA_CA_CERTS: certFile,
        [SCENARIO_ENV]: name,
        [ENDPOINTS_ENV]: JSON.stringify(endpoints),
      };
      // Defaults as an app gets them: no semconv opt-in, no region from the environment.
      for (const key of ['OTEL_SEMCONV_STABILITY_OPT_IN', 'AWS_REGION', 'AWS_DEFAULT_REGION'])
        delete env[key];
      // Not spawnSync: the servers live in this process's event loop.
      const running = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1, 2)], {
        stdio: 'inherit',
        env,
      });
      const [code, signal] = (await once(running, 'exit')) as [number | null, string | null];
      if (code !== 0) {
        failed++;
        console.error(`${name}: child exited with ${code ?? signal}`);
      }
    }
  } finally {
    await resetting.close();
    await closing.close();
    await proxy.close();
    await secure.close();
    await plain.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return failed === 0 ? 0 : 1;
}

const scenarioName = process.env[SCENARIO_ENV];
if (scenarioName) {
  await child(scenarioName, JSON.parse(process.env[ENDPOINTS_ENV] ?? '{}') as Endpoints);
} else {
  process.exitCode = await parent(process.argv.slice(2));
}
