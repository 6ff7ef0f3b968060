// The overhead benchmark: `node --conditions=@wirescope/source --import tsx bench/bench.ts [options]`.
//
// The same workload (small PutObject + GetObject with the body read, over keep-alive HTTP and HTTPS to
// a local fake S3 of our own, see fake-s3-server.ts) runs in a fresh process per configuration, handler
// and protocol, in interleaved rounds; the table shows medians over the rounds.
//
// Options: --rounds=5 --pairs=1000 --warmupPairs=300 --concurrency=4 --bodyBytes=1024
//          --handlers=node,fetch --protocols=http,https --configs=bare,wirescope,...
//          --source (run the packages' TypeScript sources instead of their built dist)
//          --markdown (print a Markdown table)  --cpuProf=<config> (write .cpuprofile files to bench/profiles)
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTestCertificate, writeTestCertificate } from '../test/support/tls-cert.js';
import { producerFlags } from './built-packages.js';
import { extraCaBundle } from './extra-ca.js';
import { startFakeS3 } from './fake-s3-server.js';
import {
  type BenchConfig,
  type BenchHandler,
  CONFIGS,
  type RunArgs,
  type RunResult,
  toArgv,
} from './run-args.js';
import { formatTable, type Row } from './table.js';

const here = dirname(fileURLToPath(import.meta.url));
const options = parseOptions(process.argv.slice(2));

const workerFlags = producerFlags(process.argv.slice(2));
const certificate = await generateTestCertificate();
const certFiles = writeTestCertificate(certificate);
const caBundle = join(certFiles.dir, 'ca-bundle.pem');
writeFileSync(caBundle, extraCaBundle(certificate.cert));
const servers = {
  http: await startFakeS3(),
  https: await startFakeS3({ tls: certificate }),
};

interface Cell {
  handler: BenchHandler;
  protocol: 'http' | 'https';
  config: BenchConfig;
}
const cells: Cell[] = [];
for (const handler of options.handlers)
  for (const protocol of options.protocols)
    for (const config of options.configs) cells.push({ handler, protocol, config });

const results = new Map<string, RunResult[]>();
const keyOf = (c: Cell) => `${c.handler}/${c.protocol}/${c.config}`;
const started = Date.now();
try {
  for (let round = 0; round < options.rounds; round++) {
    // Rotate the order every round so no configuration always runs first or right after another.
    const order = cells.map((_, i) => cells[(i + round * 3) % cells.length]!);
    for (const cell of order) {
      const result = await runWorker({
        config: cell.config,
        handler: cell.handler,
        endpoint: servers[cell.protocol].endpoint,
        pairs: options.pairs,
        warmupPairs: options.warmupPairs,
        concurrency: options.concurrency,
        bodyBytes: options.bodyBytes,
      });
      const list = results.get(keyOf(cell)) ?? [];
      list.push(result);
      results.set(keyOf(cell), list);
    }
    process.stderr.write(
      `round ${round + 1}/${options.rounds} done (${Math.round((Date.now() - started) / 1000)} s)\n`,
    );
  }
} finally {
  await servers.http.close();
  await servers.https.close();
  rmSync(certFiles.dir, { recursive: true, force: true });
}

const rows: Row[] = cells.map((cell) => {
  const list = results.get(keyOf(cell)) ?? [];
  const bare = results.get(keyOf({ ...cell, config: 'bare' })) ?? [];
  const contrib = results.get(keyOf({ ...cell, config: 'otel-contrib' }));
  return {
    ...cell,
    callsPerSecond: median(list.map((r) => r.callsPerSecond)),
    bareCallsPerSecond: median(bare.map((r) => r.callsPerSecond)),
    cpuMicrosPerCall: median(list.map((r) => r.cpuMicrosPerCall)),
    bareCpuMicrosPerCall: median(bare.map((r) => r.cpuMicrosPerCall)),
    heapMb: median(list.map((r) => r.heapMb)),
    spansPerCall: median(list.map((r) => r.spansPerCall)),
    contribCpuMicrosPerCall: contrib ? median(contrib.map((r) => r.cpuMicrosPerCall)) : undefined,
  };
});
const cpus = os.cpus();
console.log(
  `${new Date().toISOString().slice(0, 10)} · node ${process.version} · ${cpus.length}× ${cpus[0]?.model ?? 'cpu'} · ` +
    `${options.rounds} rounds × ${options.pairs * 2} calls (concurrency ${options.concurrency}, ${options.bodyBytes} B bodies), medians`,
);
console.log(formatTable(rows, options.markdown));

function runWorker(args: RunArgs): Promise<RunResult> {
  const nodeArgs = [...workerFlags, '--expose-gc'];
  if (options.cpuProf === args.config) {
    const dir = join(here, 'profiles');
    mkdirSync(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  const child = spawn(process.execPath, [...nodeArgs, join(here, 'bench-worker.ts'), ...toArgv(args)], {
    cwd: join(here, '..'),
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caBundle },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as RunResult);
      else reject(new Error(`worker ${toArgv(args).join(' ')} exited ${code}\n${stderr}`));
    });
  });
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface BenchOptions {
  rounds: number;
  pairs: number;
  warmupPairs: number;
  concurrency: number;
  bodyBytes: number;
  handlers: BenchHandler[];
  protocols: ('http' | 'https')[];
  configs: BenchConfig[];
  markdown: boolean;
  cpuProf: string | undefined;
}

function parseOptions(argv: readonly string[]): BenchOptions {
  const map = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (match) map.set(match[1]!, match[2] ?? 'true');
  }
  const int = (key: string, fallback: number) => {
    const value = Number(map.get(key) ?? fallback);
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  const list = <T extends string>(key: string, all: readonly T[]): T[] => {
    const wanted = map.get(key)?.split(',');
    return wanted ? all.filter((v) => wanted.includes(v)) : [...all];
  };
  const configs = list('configs', CONFIGS);
  // Ratios need the bare baseline.
  if (!configs.includes('bare')) configs.unshift('bare');
  return {
    rounds: int('rounds', 5),
    pairs: int('pairs', 1000),
    warmupPairs: int('warmupPairs', 300),
    concurrency: int('concurrency', 4),
    bodyBytes: int('bodyBytes', 1024),
    handlers: list('handlers', ['node', 'fetch'] as const),
    protocols: list('protocols', ['http', 'https'] as const),
    configs,
    markdown: map.has('markdown'),
    cpuProf: map.get('cpuProf'),
  };
}
