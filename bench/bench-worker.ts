// One benchmark run in its own process: one configuration, one handler, one protocol. Prints a single
// JSON line (RunResult) on stdout. Spawned by bench.ts; see there for the arguments.
import { performance } from 'node:perf_hooks';
import { parseRunArgs, type RunResult } from './run-args.js';
import { setUpTracing } from './tracing-setups.js';
import { benchClient, runPairs } from './workload.js';

const args = parseRunArgs(process.argv.slice(2));
// Tracing first: the OpenTelemetry instrumentations hook `require`, so they must be in place before
// the SDK and node:https load. Every configuration loads the SDK through `require` for the same reason.
const tracing = await setUpTracing(args.config, args.handler);
const client = benchClient(args.endpoint, args.handler);
if (tracing.plugin) client.middlewareStack.use(tracing.plugin());
const run = (pairs: number) => runPairs(client, pairs, args.bodyBytes, args.concurrency);

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
