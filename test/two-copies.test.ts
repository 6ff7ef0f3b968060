// Issue 13, "Must be shown by tests": two installed copies of each package in one process, one set of
// spans. The built packages (dist + package.json) are installed twice in a temp dir, as two versions
// under two node_modules trees (a/ at the workspace version, b/ as a patch release), sharing ONE
// @opentelemetry/api and the AWS SDK as an application's tree would. A plain Node ESM child process
// loads both copies of @wirescope/aws-sdk (and, through them, both copies of the instrumentation
// packages), registers one tracer provider, puts copy a's wirescope() on one S3Client, copy b's on
// another and both on a third, for NodeHttpHandler and FetchHttpHandler, against real local HTTPS
// servers; it prints its spans. Every connection must be recorded once: one tcp.connect and one
// tls.handshake per connection the servers accepted, one connection id per connection, one attempt
// span per SDK attempt.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ATTR_ATTEMPT,
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_REUSED,
  ATTR_SERVER_PORT,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withBuildLock } from './support/build-lock.js';
import { type ParityServer, startParityServer } from './support/parity-server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** @wirescope/aws-sdk and every workspace package it depends on (transitively). */
const PACKAGES = ['aws-sdk', 'instrumentation', 'instrumentation-http', 'instrumentation-undici', 'semconv'];
/** Third-party scopes the packages, the SDK and the child need, linked from the workspace's node_modules. */
const SHARED_SCOPES = ['@opentelemetry', '@smithy', '@aws-sdk', '@aws-crypto', '@aws'];
const COPY_B_VERSION = '0.1.1-copy-b';

/** The newest modification time of the files under `dir` that `keep` accepts, ms (0 if none). */
function newestMtime(dir: string, keep: (name: string) => boolean): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !keep(entry.name)) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** True when every package has a dist/index.js newer than its newest non-test source file. */
function distIsFresh(): boolean {
  return PACKAGES.every((pkg) => {
    const index = join(ROOT, 'packages', pkg, 'dist', 'index.js');
    if (!existsSync(index)) return false;
    const src = newestMtime(
      join(ROOT, 'packages', pkg, 'src'),
      (n) => n.endsWith('.ts') && !n.includes('.test.'),
    );
    return statSync(index).mtimeMs >= src;
  });
}

/** Installs the built packages under `<dir>/node_modules/@wirescope`, at `version` when given. */
function installCopy(dir: string, version?: string): void {
  const modules = join(dir, 'node_modules');
  for (const pkg of PACKAGES) {
    const from = join(ROOT, 'packages', pkg);
    const to = join(modules, '@wirescope', pkg);
    mkdirSync(to, { recursive: true });
    cpSync(join(from, 'dist'), join(to, 'dist'), { recursive: true });
    const manifest = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')) as {
      version: string;
      dependencies?: Record<string, string>;
    };
    if (version) {
      manifest.version = version;
      for (const dep of Object.keys(manifest.dependencies ?? {})) {
        if (dep.startsWith('@wirescope/')) manifest.dependencies![dep] = version;
      }
    }
    writeFileSync(join(to, 'package.json'), JSON.stringify(manifest, null, 2));
  }
  linkShared(modules);
}

function linkShared(modules: string): void {
  mkdirSync(modules, { recursive: true });
  for (const scope of SHARED_SCOPES) {
    const target = join(ROOT, 'node_modules', scope);
    if (existsSync(target)) symlinkSync(target, join(modules, scope), 'dir');
  }
}

// The child: plain ESM, no TypeScript, no export conditions; everything it loads comes from the temp
// dir's node_modules trees (the SDK and OpenTelemetry through links to the workspace's).
const CHILD = `
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { FetchHttpHandler } from '@smithy/fetch-http-handler';

const load = async (copy) => {
  const require = createRequire(new URL('./' + copy + '/', import.meta.url));
  return import(pathToFileURL(require.resolve('@wirescope/aws-sdk')).href);
};
const a = await load('a');
const b = await load('b');
// Where each copy's packages load from (each copy's instrumentations are imported by its aws-sdk).
const resolved = {};
for (const copy of ['a', 'b']) {
  const require = createRequire(new URL('./' + copy + '/node_modules/@wirescope/aws-sdk/', import.meta.url));
  for (const name of ['aws-sdk', 'instrumentation', 'instrumentation-http', 'instrumentation-undici', 'semconv']) {
    resolved[copy + ':' + name] = require.resolve('@wirescope/' + name);
  }
}
const api = [createRequire(new URL('./a/node_modules/@wirescope/instrumentation/', import.meta.url)), createRequire(new URL('./b/node_modules/@wirescope/instrumentation/', import.meta.url))].map((r) => r.resolve('@opentelemetry/api'));

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);

const ports = JSON.parse(process.argv[2]);
const clients = [];
const calls = [];
for (const handler of ['node', 'fetch']) {
  for (const plugins of [['a'], ['b'], ['a', 'b']]) {
    const label = handler + ':' + plugins.join('+');
    const client = new S3Client({
      endpoint: 'https://localhost:' + ports[label],
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDWIRESCOPECOPIES', secretAccessKey: 'copies-secret' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
      requestHandler: handler === 'node' ? new NodeHttpHandler() : new FetchHttpHandler(),
    });
    const errors = [];
    for (const copy of plugins) {
      try {
        client.middlewareStack.use((copy === 'a' ? a : b).wirescope());
      } catch (error) {
        errors.push(String(error && error.message));
      }
    }
    clients.push(client);
    for (let i = 0; i < 2; i++) {
      try {
        const out = await client.send(new PutObjectCommand({ Bucket: 'copies', Key: label + '-' + i, Body: 'x' }));
        calls.push({ label, ok: true, attempts: out.$metadata.attempts, useErrors: errors });
      } catch (error) {
        calls.push({ label, ok: false, attempts: error.$metadata?.attempts, error: String(error), useErrors: errors });
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
for (const client of clients) client.destroy();
await new Promise((resolve) => setTimeout(resolve, 50));
const spans = exporter.getFinishedSpans().map((s) => ({
  name: s.name,
  traceId: s.spanContext().traceId,
  spanId: s.spanContext().spanId,
  parentSpanId: s.parentSpanContext?.spanId,
  attributes: s.attributes,
}));
process.stdout.write(JSON.stringify({ calls, spans, resolved, api }) + '\\n');
process.exit(0);
`;

interface ChildSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}

interface ChildCall {
  label: string;
  ok: boolean;
  attempts?: number;
  error?: string;
  useErrors: string[];
}

const LABELS = ['node:a', 'node:b', 'node:a+b', 'fetch:a', 'fetch:b', 'fetch:a+b'];

let work: string;
const servers = new Map<string, ParityServer>();
let result: { calls: ChildCall[]; spans: ChildSpan[]; resolved: Record<string, string>; api: string[] };
const timings: Record<string, number> = {};

let installed = 0;

beforeAll(async () => {
  const started = Date.now();
  // Built and copied under the build lock: test/pack.test.ts builds too (support/build-lock.ts).
  await withBuildLock(() => {
    if (!distIsFresh()) {
      // The same build `prepack` runs, for aws-sdk and the workspace packages it depends on.
      execFileSync(
        'npx',
        ['turbo', 'run', 'build', '--filter=@wirescope/aws-sdk...', '--output-logs=errors-only'],
        { cwd: ROOT, stdio: 'pipe' },
      );
      timings['build'] = Date.now() - started;
    }
    installed = Date.now();
    work = mkdtempSync(join(tmpdir(), 'wirescope-two-copies-'));
    installCopy(join(work, 'a'));
    installCopy(join(work, 'b'), COPY_B_VERSION);
  });
  linkShared(join(work, 'node_modules'));
  writeFileSync(join(work, 'run.mjs'), CHILD);
  timings['install'] = Date.now() - installed;

  for (const label of LABELS) servers.set(label, await startParityServer('ok'));
  const ports = Object.fromEntries([...servers].map(([label, server]) => [label, server.port]));
  const ran = Date.now();
  // NODE_EXTRA_CA_CERTS (set by the vitest globalSetup) is inherited: the child trusts the servers.
  const child = spawn(process.execPath, ['run.mjs', JSON.stringify(ports)], {
    cwd: work,
    env: { ...process.env, NODE_OPTIONS: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  timings['child'] = Date.now() - ran;
  if (code !== 0) throw new Error(`the child exited with ${code}:\n${stderr}`);
  result = JSON.parse(stdout.trim().split('\n').at(-1)!) as typeof result;
}, 540_000);

afterAll(async () => {
  console.info(`two copies: ${JSON.stringify(timings)} ms`);
  await Promise.all([...servers.values()].map((s) => s.close()));
  if (work) rmSync(work, { recursive: true, force: true });
});

const named = (name: string) => result.spans.filter((s) => s.name === name);
const attemptsOf = (label: string) =>
  named('S3.PutObject attempt').filter((s) => s.attributes[ATTR_SERVER_PORT] === servers.get(label)!.port);
const childrenOf = (parent: ChildSpan) =>
  result.spans.filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId);

describe('two installed copies of each package in one process: one set of spans', () => {
  it('the child loaded two copies of every package and one @opentelemetry/api', () => {
    for (const pkg of PACKAGES) {
      expect(result.resolved[`a:${pkg}`]).toContain(join(work, 'a', 'node_modules', '@wirescope', pkg));
      expect(result.resolved[`b:${pkg}`]).toContain(join(work, 'b', 'node_modules', '@wirescope', pkg));
    }
    expect(new Set(result.api).size).toBe(1);
  });

  it('every call succeeds, and plugging both copies into one client does not throw', () => {
    expect(result.calls).toHaveLength(LABELS.length * 2);
    for (const call of result.calls) {
      expect(call, call.label).toMatchObject({ ok: true, attempts: 1, useErrors: [] });
    }
  });

  it('one operation span per call, one attempt span per SDK attempt', () => {
    expect(named('S3.PutObject')).toHaveLength(result.calls.length);
    const attempts = result.calls.reduce((sum, call) => sum + (call.attempts ?? 1), 0);
    expect(named('S3.PutObject attempt')).toHaveLength(attempts);
  });

  it.each(LABELS)('%s: one tcp.connect, one tls.handshake and one connection id per connection', (label) => {
    const server = servers.get(label)!;
    const attempts = attemptsOf(label);
    expect(attempts).toHaveLength(2);
    // Two sequential calls on a keep-alive pool: one connection, the second call reuses it.
    expect(server.connections).toBe(1);
    expect(attempts.map((a) => a.attributes[ATTR_ATTEMPT])).toEqual([1, 1]);
    expect(attempts.map((a) => a.attributes[ATTR_CONNECTION_REUSED]).sort()).toEqual([false, true]);
    const phases = attempts.flatMap(childrenOf);
    const count = (name: string) => phases.filter((p) => p.name === name).length;
    // Connection ids wherever they are written (attempts, and phase spans where a producer puts them).
    const ids = new Set(
      [...attempts, ...phases].map((s) => s.attributes[ATTR_CONNECTION_ID]).filter((id) => id !== undefined),
    );
    expect({
      [SPAN_DNS_LOOKUP]: count(SPAN_DNS_LOOKUP),
      [SPAN_TCP_CONNECT]: count(SPAN_TCP_CONNECT),
      [SPAN_TLS_HANDSHAKE]: count(SPAN_TLS_HANDSHAKE),
      'connection ids': ids.size,
    }).toEqual({
      [SPAN_DNS_LOOKUP]: server.connections,
      [SPAN_TCP_CONNECT]: server.connections,
      [SPAN_TLS_HANDSHAKE]: server.connections,
      'connection ids': server.connections,
    });
  });

  it('across all clients: as many tcp.connect spans and connection ids as connections accepted', () => {
    const connections = [...servers.values()].reduce((sum, s) => sum + s.connections, 0);
    expect(named(SPAN_TCP_CONNECT)).toHaveLength(connections);
    expect(named(SPAN_TLS_HANDSHAKE)).toHaveLength(connections);
    const ids = new Set(
      result.spans.map((s) => s.attributes[ATTR_CONNECTION_ID]).filter((id) => id !== undefined),
    );
    expect(ids.size).toBe(connections);
  });
});
