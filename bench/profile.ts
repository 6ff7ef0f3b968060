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
// Options: --handler=node|fetch --config=wirescope (any of run-args.ts's CONFIGS) --pairs=6000
//   --warmupPairs=1000 --top=15 --dump=<file> (self time per function, µs per call, as JSON)
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

async function worker(endpoint: string): Promise<void> {
  const config = option('config', 'wirescope') as BenchConfig;
  if (!CONFIGS.includes(config)) throw new Error(`unknown --config=${config} (one of ${CONFIGS.join(', ')})`);
  const handler = option('handler', 'node') as BenchHandler;
  const pairs = Number(option('pairs', '6000'));
  const tracing = await setUpTracing(config, handler);
  const client = benchClient(endpoint, handler);
  if (tracing.plugin) client.middlewareStack.use(tracing.plugin());
  await runPairs(client, Number(option('warmupPairs', '1000')), 1024, 4);
  await tracing.flush();
  tracing.resetCount();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  await session.post('Profiler.start');
  const cpu = process.cpuUsage();
  await runPairs(client, pairs, 1024, 4);
  await tracing.flush();
  const used = process.cpuUsage(cpu);
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
  session.disconnect();
  const calls = pairs * 2;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  // A builtin (no script: JSON.stringify, Map#get…) counts for its nearest JavaScript caller.
  const attributed = (id: number): ProfileNode => {
    let n = byId.get(id) as ProfileNode;
    while (n.callFrame.url === '' && !n.callFrame.functionName.startsWith('(') && parentOf.has(n.id))
      n = byId.get(parentOf.get(n.id) as number) as ProfileNode;
    return n;
  };
  const owners = new Map<string, number>();
  const functions = new Map<string, { owner: string; us: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const n = attributed(id);
    const owner = ownerOf(n);
    total += us;
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    const file = n.callFrame.url.replace(/^.*\/(packages|node_modules)\//, '');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
    const entry = functions.get(key) ?? { owner, us: 0 };
    entry.us += us;
    functions.set(key, entry);
  });
  const perCall = (us: number) => (us / calls).toFixed(1).padStart(8);
  console.log(
    `${handler} ${config}: ${calls} calls, CPU ${((used.user + used.system) / calls).toFixed(0)} µs a call, ` +
      `profiled ${(total / calls).toFixed(0)} µs a call, ${(tracing.count() / calls).toFixed(2)} spans a call`,
  );
  console.log('  owner                      µs a call');
  for (const [owner, us] of [...owners].sort((a, b) => b[1] - a[1]))
    console.log(`  ${owner.padEnd(24)}${perCall(us)}`);
  const shown = new Set(['wirescope', 'OTel API and SDK', 'OTel instrumentations']);
  const heaviest = [...functions].filter(([, f]) => shown.has(f.owner)).sort((a, b) => b[1].us - a[1].us);
  const top = Number(option('top', '15'));
  if (top > 0) {
    console.log('  heaviest of wirescope and OpenTelemetry, µs a call:');
    for (const [k, f] of heaviest.slice(0, top)) console.log(`  ${perCall(f.us)}  ${k.slice(0, 96)}`);
  }
  const dump = option('dump', '');
  if (dump)
    writeFileSync(
      dump,
      JSON.stringify(Object.fromEntries([...functions].map(([k, f]) => [k, f.us / calls]))),
    );
  client.destroy();
  await tracing.shutdown();
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
