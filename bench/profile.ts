// Where a configuration's CPU goes per call: `node --import tsx bench/profile.ts [options]`.
//
// Runs one benchmark configuration (tracing-setups.ts) in this process, against the fake S3 in a child
// process (so the server's work is not counted), under V8's sampling profiler, and prints self time per
// call by owner: wirescope's packages, the OpenTelemetry API and SDK, the OpenTelemetry instrumentations,
// Node's promise hooks (`async_hooks`, what AsyncLocalStorage costs once a context was entered), the
// AWS SDK, the rest of Node, garbage collection; then the heaviest functions of wirescope and
// OpenTelemetry. Builtins (no script) count for the nearest JavaScript caller.
//
// A profile attributes time within one process, so the split between owners is steadier than a
// comparison of whole processes; each process's totals still carry this VM's ±10–20 % (see
// bench/RESULTS.md). The built packages are measured (built-packages.ts), `--source` for the sources.
//
// `--measure=alloc` weighs bytes allocated instead of CPU time (V8's sampling heap profiler, objects the
// garbage collector already freed included): what a call leaves for the collector, a figure that
// repeats between processes far better than time does. `--measure=resources` counts the async
// resources (promises, ticks, timers) made per call, by type.
//
// Options: --handler=node|fetch --config=wirescope (any of run-args.ts's CONFIGS) --pairs=6000
//   --warmupPairs=1000 --top=15 --measure=cpu|alloc|resources --dump=<file> (per function, per call, as JSON)
import { createHook } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { producerFlags } from './built-packages.js';
import { startFakeS3 } from './fake-s3-server.js';
import { type BenchConfig, type BenchHandler, CONFIGS, option } from './run-args.js';
import { setUpTracing } from './tracing-setups.js';
import { benchClient, runPairs } from './workload.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const HOOKS = new Set([
  'promiseInitHook',
  'promiseBeforeHook',
  'promiseAfterHook',
  'lookupPublicResource',
  '_propagate',
]);

/** Who a function belongs to, from its script's URL. */
function ownerOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  // This repository's packages, built (dist) or with --source (src).
  if (url.includes('/packages/')) return 'wirescope';
  if (url.includes('@opentelemetry/instrumentation')) return 'OTel instrumentations';
  if (url.includes('@opentelemetry/')) return 'OTel API and SDK';
  if (url.includes('@smithy/') || url.includes('@aws-sdk/')) return 'AWS SDK';
  if (url.includes('async_hooks') && HOOKS.has(functionName)) return 'promise hooks';
  if (url.startsWith('node:')) return 'Node (the rest)';
  if (url === '' && functionName === '(garbage collector)') return 'garbage collection';
  if (url === '' && functionName.startsWith('(')) return functionName;
  return 'other';
}

const MEASURES = ['cpu', 'alloc', 'resources'] as const;
const HANDLERS: readonly BenchHandler[] = ['node', 'fetch'];

/** The options, or why they are wrong (checked before any process starts). */
function readOptions() {
  const config = option('config', 'wirescope') as BenchConfig;
  if (!CONFIGS.includes(config)) return `unknown --config=${config} (one of ${CONFIGS.join(', ')})`;
  const measure = option('measure', 'cpu') as (typeof MEASURES)[number];
  if (!MEASURES.includes(measure)) return `unknown --measure=${measure} (one of ${MEASURES.join(', ')})`;
  const handler = option('handler', 'node') as BenchHandler;
  // A handler benchClient does not know would run on node:http under the name given.
  if (!HANDLERS.includes(handler)) return `unknown --handler=${handler} (one of ${HANDLERS.join(', ')})`;
  const pairs = Number(option('pairs', '6000'));
  if (!Number.isInteger(pairs) || pairs <= 0)
    return `--pairs=${option('pairs', '')} is not a whole number above 0`;
  return { config, measure, handler, pairs };
}

async function worker(endpoint: string): Promise<void> {
  const options = readOptions();
  if (typeof options === 'string') throw new Error(options);
  const { config, measure, handler, pairs } = options;
  const calls = pairs * 2;
  const tracing = await setUpTracing(config, handler);
  const client = benchClient(endpoint, handler);
  if (tracing.plugin) client.middlewareStack.use(tracing.plugin());
  await runPairs(client, Number(option('warmupPairs', '1000')), 1024, 4);
  await tracing.flush();
  tracing.resetCount();
  // The measured calls, and the export of their spans.
  const measured = async () => {
    await runPairs(client, pairs, 1024, 4);
    await tracing.flush();
  };
  if (measure === 'resources') {
    await countResources(`${handler} ${config}`, calls, measured);
    client.destroy();
    await tracing.shutdown();
    return;
  }
  const session = new Session();
  session.connect();
  let weighed: Weighed;
  let headline: string;
  if (measure === 'cpu') {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 50 });
    await session.post('Profiler.start');
    const cpu = process.cpuUsage();
    await measured();
    const used = process.cpuUsage(cpu);
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    weighed = weighCpu(profile);
    headline = `CPU ${((used.user + used.system) / calls).toFixed(0)} µs a call, profiled ${(weighed.total / calls).toFixed(0)} µs a call`;
  } else {
    // Every allocation, the short-lived ones too (the garbage a call leaves for the young generation).
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await measured();
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
      profile: { head: HeapNode };
    };
    weighed = weighHeap(profile.head);
    headline = `allocated ${(weighed.total / calls).toFixed(0)} bytes a call (sampled every 256 bytes)`;
  }
  session.disconnect();
  const unit = measure === 'cpu' ? 'µs' : 'bytes';
  const { owners, functions } = attribute(weighed);
  const perCall = (v: number) => (v / calls).toFixed(measure === 'cpu' ? 1 : 0).padStart(8);
  console.log(
    `${handler} ${config}: ${calls} calls, ${headline}, ${(tracing.count() / calls).toFixed(2)} spans a call`,
  );
  console.log(`  owner                   ${unit.padStart(8)} a call`);
  for (const [owner, v] of [...owners].sort((a, b) => b[1] - a[1]))
    console.log(`  ${owner.padEnd(24)}${perCall(v)}`);
  const shown = new Set(['wirescope', 'OTel API and SDK', 'OTel instrumentations']);
  const heaviest = [...functions].filter(([, f]) => shown.has(f.owner)).sort((a, b) => b[1].v - a[1].v);
  const top = Number(option('top', '15'));
  if (top > 0) {
    console.log(`  heaviest of wirescope and OpenTelemetry, ${unit} a call:`);
    for (const [k, f] of heaviest.slice(0, top)) console.log(`  ${perCall(f.v)}  ${k.slice(0, 96)}`);
  }
  const dump = option('dump', '');
  if (dump)
    writeFileSync(dump, JSON.stringify(Object.fromEntries([...functions].map(([k, f]) => [k, f.v / calls]))));
  client.destroy();
  await tracing.shutdown();
}

/**
 * Async resources made per call, by type (promises, ticks, timers…): an exact count, and what every
 * promise costs once AsyncLocalStorage's promise hooks are on. The hook that counts turns them on too,
 * so this mode measures no time.
 */
async function countResources(label: string, calls: number, run: () => Promise<void>): Promise<void> {
  const counts = new Map<string, number>();
  const hook = createHook({
    init(_id, type) {
      counts.set(type, (counts.get(type) ?? 0) + 1);
    },
  }).enable();
  try {
    await run();
  } finally {
    hook.disable();
  }
  console.log(`${label}: ${calls} calls, async resources made a call`);
  for (const [type, n] of [...counts].sort((a, b) => b[1] - a[1]))
    if (n >= calls / 100) console.log(`  ${type.padEnd(24)}${(n / calls).toFixed(2).padStart(8)}`);
}

/** A profile's nodes with a weight each (µs of CPU, or bytes allocated). */
interface Weighed {
  nodes: Map<number, ProfileNode>;
  parentOf: Map<number, number>;
  weights: Map<number, number>;
  total: number;
}

function weighCpu(profile: CpuProfile): Weighed {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const weights = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    weights.set(id, (weights.get(id) ?? 0) + us);
    total += us;
  });
  return { nodes, parentOf, weights, total };
}

interface HeapNode {
  id: number;
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: HeapNode[];
}

function weighHeap(head: HeapNode): Weighed {
  const weighed: Weighed = { nodes: new Map(), parentOf: new Map(), weights: new Map(), total: 0 };
  const stack: HeapNode[] = [head];
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    weighed.nodes.set(n.id, { id: n.id, callFrame: n.callFrame, children: n.children.map((c) => c.id) });
    weighed.weights.set(n.id, n.selfSize);
    weighed.total += n.selfSize;
    for (const c of n.children) {
      weighed.parentOf.set(c.id, n.id);
      stack.push(c);
    }
  }
  return weighed;
}

/** The weights by owner and by function. */
function attribute(weighed: Weighed): {
  owners: Map<string, number>;
  functions: Map<string, { owner: string; v: number }>;
} {
  const { nodes, parentOf } = weighed;
  // A builtin (no script: JSON.stringify, Map#get…) counts for its nearest JavaScript caller.
  const attributed = (id: number): ProfileNode => {
    let n = nodes.get(id) as ProfileNode;
    while (n.callFrame.url === '' && !n.callFrame.functionName.startsWith('(') && parentOf.has(n.id))
      n = nodes.get(parentOf.get(n.id) as number) as ProfileNode;
    return n;
  };
  const owners = new Map<string, number>();
  const functions = new Map<string, { owner: string; v: number }>();
  for (const [id, v] of weighed.weights) {
    if (v === 0) continue;
    const n = attributed(id);
    const owner = ownerOf(n);
    owners.set(owner, (owners.get(owner) ?? 0) + v);
    const file = n.callFrame.url.replace(/^.*\/(packages|node_modules)\//, '');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
    const entry = functions.get(key) ?? { owner, v: 0 };
    entry.v += v;
    functions.set(key, entry);
  }
  return { owners, functions };
}

async function main(): Promise<void> {
  const serverAt = process.argv.indexOf('--serve');
  if (serverAt >= 0) {
    const server = await startFakeS3();
    process.stdout.write(`${server.endpoint}\n`);
    process.stdin.resume();
    process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
    return;
  }
  const endpointAt = process.argv.indexOf('--worker');
  if (endpointAt >= 0) {
    await worker(process.argv[endpointAt + 1] as string);
    process.exit(0);
  }
  const options = readOptions();
  if (typeof options === 'string') {
    console.error(`bench/profile.ts: ${options}`);
    process.exitCode = 2;
    return;
  }
  // The server in one child, the profiled worker in another: only the client's work is profiled.
  const flags = producerFlags(process.argv.slice(2));
  const script = fileURLToPath(import.meta.url);
  const server = spawn(process.execPath, ['--import', 'tsx', script, '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      server.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
      server.once('exit', (code) => reject(new Error(`the fake S3 exited (${code})`)));
    });
    const pass = process.argv.slice(2).filter((a) => a.startsWith('--') && a !== '--source');
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [...flags, script, ...pass, '--worker', endpoint], {
        stdio: 'inherit',
      });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) process.exitCode = 1;
  } finally {
    server.stdin.end();
  }
}

await main();
