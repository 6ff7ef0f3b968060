// One benchmark run in its own process: one configuration, one handler, one protocol. Prints a single
// JSON line (RunResult) on stdout. Spawned by bench.ts; see there for the arguments.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { parseRunArgs, type RunResult } from './run-args.js';
import { setUpTracing } from './tracing-setups.js';

const args = parseRunArgs(process.argv.slice(2));
// Tracing first: the OpenTelemetry instrumentations hook `require`, so they must be in place before
// the SDK and node:https load. Every configuration loads the SDK through `require` for the same reason.
const tracing = await setUpTracing(args.config, args.handler);
const require = createRequire(import.meta.url);
const { S3Client, PutObjectCommand, GetObjectCommand } =
  require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
const { FetchHttpHandler } =
  require('@smithy/fetch-http-handler') as typeof import('@smithy/fetch-http-handler');

const client = new S3Client({
  endpoint: args.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  ...(args.handler === 'fetch' ? { requestHandler: new FetchHttpHandler() } : {}),
});
if (tracing.plugin) client.middlewareStack.use(tracing.plugin());

const body = 'x'.repeat(args.bodyBytes);
let nextKey = 0;

/** One unit of work: a PutObject and a GetObject whose body is read. Two calls. */
async function putAndGet(): Promise<void> {
  const Key = `k${nextKey++ % 64}`;
  await client.send(new PutObjectCommand({ Bucket: 'bench', Key, Body: body }));
  const got = await client.send(new GetObjectCommand({ Bucket: 'bench', Key }));
  const text = await got.Body?.transformToString();
  if (text?.length !== args.bodyBytes) throw new Error(`GetObject returned ${text?.length} bytes`);
}

async function run(pairs: number): Promise<void> {
  let remaining = pairs;
  const lane = async () => {
    while (remaining > 0) {
      remaining -= 1;
      await putAndGet();
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, lane));
}

const gc = (globalThis as { gc?: () => void }).gc;
await run(args.warmupPairs);
await tracing.flush();
gc?.();
tracing.resetCount();
const cpuStart = process.cpuUsage();
const start = performance.now();
await run(args.pairs);
const elapsedMs = performance.now() - start;
const cpu = process.cpuUsage(cpuStart);
await tracing.flush();
const spans = tracing.count();
gc?.();
const calls = args.pairs * 2;
const result: RunResult = {
  config: args.config,
  handler: args.handler,
  protocol: args.endpoint.startsWith('https:') ? 'https' : 'http',
  calls,
  callsPerSecond: calls / (elapsedMs / 1000),
  cpuMicrosPerCall: (cpu.user + cpu.system) / calls,
  heapMb: process.memoryUsage().heapUsed / 1024 / 1024,
  spansPerCall: spans / calls,
};
client.destroy();
await tracing.shutdown();
process.stdout.write(`${JSON.stringify(result)}\n`);
