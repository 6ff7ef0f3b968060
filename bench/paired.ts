// Paired overhead benchmark: `node --conditions=@wirescope/source --import tsx bench/paired.ts [options]`.
//
// bench/bench.ts compares whole processes, which on a shared VM drift by tens of percent from one minute
// to the next. Here one worker process holds three clients on one tracer provider (BatchSpanProcessor, a
// no-op exporter, the AsyncLocalStorage context manager): `bare`, `otel-floor` (two empty active spans a
// call, see otel-floor-plugin.ts) and `wirescope`. They take turns in batches of PutObject + GetObject
// pairs against the fake S3 (in this, the parent process), order alternating each round, and each batch's
// CPU µs per call is compared with the bare batch of the same round: the median of those paired
// differences is what a configuration adds per call.
//
// `wirescope-unsampled`: the plugin with a provider of its own whose parent-based sampler drops every
// root span (a call production head sampling does not keep): its Δ vs bare is what the plugin costs an
// unsampled call.
//
// Caveat: wirescope's socket-level hooks are process-wide (the http `addRequest` patch, undici's
// diagnostics channels), so `bare` and `otel-floor` pay their pass-through cost too here (the whole-process
// bench counts it for wirescope only).
//
// `wirescope-metrics`: `wirescope` with an sdk-metrics MeterProvider whose reader never exports during the
// run (issue 14); its paired Δ vs `wirescope` is what recording the metrics adds to a call.
// `wirescope-stages`: the same with `stageDurations: true`; its paired Δ vs `wirescope` is what the
// metrics cost a call with the five stage durations on.
//
// `--clients=wirescope,wirescope-metrics,wirescope-stages` runs only those (more rounds in the same
// time: a Δ of a few µs needs a hundred rounds or more on a shared VM). Each paired Δ is printed with
// the interquartile range of its per-round differences, so its spread is in the table.
//
// `h2`: NodeHttp2Handler against the same fake S3 served as cleartext HTTP/2 (one session, multiplexed).
//
// Options: --handlers=node,fetch[,h2] --rounds=30 --batchPairs=100 --warmupPairs=300 --clients=<all>
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { AlwaysOffSampler, BasicTracerProvider, ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import { producerFlags } from './built-packages.js';
import { startFakeS3 } from './fake-s3-server.js';
import { benchMeterProvider } from './metrics-setup.js';
import { option } from './run-args.js';
import { registerProvider } from './tracing-setups.js';
import { benchClient, runPairs } from './workload.js';

const ALL_CLIENTS = [
  'bare',
  'otel-floor',
  'wirescope',
  'wirescope-metrics',
  'wirescope-stages',
  'wirescope-unsampled',
] as const;
type ClientName = (typeof ALL_CLIENTS)[number];
const CLIENTS: readonly ClientName[] = ALL_CLIENTS.filter((name) =>
  option('clients', ALL_CLIENTS.join(',')).split(',').includes(name),
);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface WorkerResult {
  handler: string;
  /** CPU µs per call of each batch, by client. */
  samples: Record<ClientName, number[]>;
  spansPerCall: Record<ClientName, number>;
}

async function worker(endpoint: string, handler: string): Promise<WorkerResult> {
  const { provider, exporter } = registerProvider();
  const { wirescope } = await import('@wirescope/aws-sdk');
  const { otelFloorPlugin } = await import('./otel-floor-plugin.js');
  const meters = benchMeterProvider();
  const make = (plugin?: ReturnType<typeof wirescope>) => {
    const client = benchClient(endpoint, handler);
    if (plugin) client.middlewareStack.use(plugin);
    return client;
  };
  const clients: Partial<Record<ClientName, S3Client>> = {
    bare: make(),
    'otel-floor': make(otelFloorPlugin() as ReturnType<typeof wirescope>),
    wirescope: make(wirescope()),
    'wirescope-metrics': make(wirescope({ meterProvider: meters.provider })),
    'wirescope-stages': make(wirescope({ meterProvider: meters.provider, stageDurations: true })),
    'wirescope-unsampled': make(
      wirescope({
        tracerProvider: new BasicTracerProvider({
          sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
        }),
      }),
    ),
  };
  const run = (client: S3Client, pairs: number) => runPairs(client, pairs, 1024, 4);
  const rounds = Number(option('rounds', '30'));
  const batch = Number(option('batchPairs', '100'));
  for (const name of CLIENTS) await run(clients[name] as S3Client, Number(option('warmupPairs', '300')));
  const samples = Object.fromEntries(CLIENTS.map((n) => [n, [] as number[]])) as WorkerResult['samples'];
  const spans = Object.fromEntries(CLIENTS.map((n) => [n, 0])) as Record<ClientName, number>;
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? CLIENTS : [...CLIENTS].reverse()) {
      await provider.forceFlush();
      const before = exporter.exported;
      const cpu = process.cpuUsage();
      await run(clients[name] as S3Client, batch);
      const used = process.cpuUsage(cpu);
      await provider.forceFlush();
      spans[name] += exporter.exported - before;
      samples[name].push((used.user + used.system) / (batch * 2));
    }
  }
  for (const client of Object.values(clients)) client.destroy();
  await provider.shutdown();
  await meters.provider.shutdown();
  const spansPerCall = Object.fromEntries(CLIENTS.map((n) => [n, spans[n] / (rounds * batch * 2)])) as Record<
    ClientName,
    number
  >;
  return { handler, samples, spansPerCall };
}

async function main(): Promise<void> {
  const workerAt = process.argv.indexOf('--worker');
  if (workerAt >= 0) {
    const result = await worker(process.argv[workerAt + 1] as string, process.argv[workerAt + 2] as string);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const server = await startFakeS3();
  const h2Server = await startFakeS3({ http2: true });
  const script = fileURLToPath(import.meta.url);
  const flags = producerFlags(process.argv.slice(2));
  const pass = process.argv
    .slice(2)
    .filter((a) => a.startsWith('--') && !a.startsWith('--handlers=') && a !== '--source');
  try {
    console.log(
      'handler  configuration        CPU µs/call  Δ vs bare (paired median)             Δ vs floor/plugin  spans/call',
    );
    for (const handler of option('handlers', 'node,fetch').split(',')) {
      process.stderr.write(`${handler}: running…\n`);
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [...flags, script, ...pass, '--worker', (handler === 'h2' ? h2Server : server).endpoint, handler],
          {
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`worker exited ${code}`))));
      });
      const result = JSON.parse(out.trim().split('\n').pop() as string) as WorkerResult;
      const differences = (a: ClientName, b: ClientName) =>
        result.samples[a].map((v, i) => v - (result.samples[b][i] as number));
      const signed = (v: number, digits: number) => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;
      const has = (name: ClientName) => CLIENTS.includes(name);
      for (const name of CLIENTS) {
        const delta =
          name === 'bare' || !has('bare') ? '—' : `${signed(median(differences(name, 'bare')), 0)} µs`;
        // wirescope against the two empty spans; the metrics configurations against wirescope (the
        // metrics alone), with the interquartile range of the per-round differences.
        const base: ClientName | undefined =
          name === 'wirescope'
            ? 'otel-floor'
            : name.startsWith('wirescope-') && name !== 'wirescope-unsampled'
              ? 'wirescope'
              : undefined;
        let overFloor = '';
        if (base && has(base)) {
          const d = differences(name, base).sort((x, y) => x - y);
          const q = (f: number) => d[Math.min(d.length - 1, Math.floor(f * d.length))] as number;
          overFloor = `${signed(median(d), 1)} µs (IQR ${signed(q(0.25), 0)}…${signed(q(0.75), 0)})`;
        }
        console.log(
          `${handler.padEnd(9)}${name.padEnd(21)}${median(result.samples[name]).toFixed(0).padStart(11)}` +
            `${delta.padStart(28)}${overFloor.padStart(30)}${result.spansPerCall[name].toFixed(1).padStart(12)}`,
        );
      }
    }
    console.log(
      'CPU of the worker process per call (PutObject or GetObject), medians over the batches of all rounds.',
    );
  } finally {
    await server.close();
    await h2Server.close();
  }
}

await main();
