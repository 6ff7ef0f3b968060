// The long soak: `node --conditions=@wirescope/source --import tsx --expose-gc bench/soak.ts
// [--minutes=3] [--handlers=node,fetch]`. Runs the soak workload with the plugin and a real
// BatchSpanProcessor (no-op exporter) against the fake S3 over HTTPS, closing every 7th connection,
// and prints the heap after a forced GC every 15 s plus listener counts: the heap should stay flat.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { generateTestCertificate, writeTestCertificate } from '../test/support/tls-cert.js';
import { extraCaBundle } from './extra-ca.js';
import { startFakeS3 } from './fake-s3-server.js';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const minutes = Number(args.get('minutes') ?? 3);
const handlers = (args.get('handlers') ?? 'node,fetch').split(',');

if (!process.env['WIRESCOPE_SOAK_KEY']) {
  // Trust is read at start-up: re-run this script with our certificate as an extra CA.
  const certificate = await generateTestCertificate();
  const files = writeTestCertificate(certificate);
  const bundle = join(files.dir, 'ca-bundle.pem');
  writeFileSync(bundle, extraCaBundle(certificate.cert));
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: bundle,
        WIRESCOPE_SOAK_CERT: files.certFile,
        WIRESCOPE_SOAK_KEY: files.keyFile,
      },
    },
  );
  rmSync(files.dir, { recursive: true, force: true });
  process.exit(child.status ?? 1);
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const tls = {
  cert: readFileSync(process.env['WIRESCOPE_SOAK_CERT'] ?? '', 'utf8'),
  key: readFileSync(process.env['WIRESCOPE_SOAK_KEY'] ?? '', 'utf8'),
};
const server = await startFakeS3({ tls, closeEvery: 7 });
let exported = 0;
const provider = new BasicTracerProvider({
  spanProcessors: [
    new BatchSpanProcessor({
      export(spans: ReadableSpan[], done) {
        exported += spans.length;
        done({ code: ExportResultCode.SUCCESS });
      },
      shutdown: async () => {},
    }),
  ],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);

const { createRequire } = await import('node:module');
const require = createRequire(import.meta.url);
const { NodeHttpHandler } =
  require('@smithy/node-http-handler') as typeof import('@smithy/node-http-handler');
const { FetchHttpHandler } =
  require('@smithy/fetch-http-handler') as typeof import('@smithy/fetch-http-handler');
const { wirescope } = await import('@wirescope/aws-sdk');
const { createS3Client } = await import('../test/support/clients.js');
const { runSoak } = await import('./soak-workload.js');

const mb = () => process.memoryUsage().heapUsed / 1024 / 1024;
for (const handler of handlers) {
  const agent = new https.Agent({ keepAlive: true });
  const client = createS3Client(server.endpoint, {
    requestHandler: handler === 'fetch' ? new FetchHttpHandler() : new NodeHttpHandler({ httpsAgent: agent }),
  });
  client.middlewareStack.use(wirescope());
  const samples: number[] = [];
  const started = Date.now();
  const sample = (calls: number) => {
    gc();
    const heap = mb();
    samples.push(heap);
    const listeners = process.eventNames().reduce((n, e) => n + process.listenerCount(e), 0);
    console.log(
      `${handler.padEnd(5)} ${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s  ${String(calls).padStart(7)} calls  heap ${heap.toFixed(1).padStart(6)} MB  process listeners ${listeners}  spans exported ${exported}`,
    );
  };
  const calls = await runSoak(client, { durationMs: minutes * 60_000, everyMs: 15_000, onTick: sample });
  await provider.forceFlush();
  sample(calls);
  client.destroy();
  const settled = samples.slice(1);
  console.log(
    `${handler}: ${calls} calls in ${minutes} min (${(calls / (minutes * 60)).toFixed(0)}/s), heap after GC first ${settled[0]?.toFixed(1)} MB → last ${settled.at(-1)?.toFixed(1)} MB (min ${Math.min(...settled).toFixed(1)}, max ${Math.max(...settled).toFixed(1)})`,
  );
}
await server.close();
await provider.shutdown();
