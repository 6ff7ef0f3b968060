/**
 * Analyzer benchmark (not a test). Builds the analyzer, generates a JSON Lines file of 1M realistic
 * wirescope spans in a temporary directory, then measures each step in a process of its own (so peak
 * RSS is the step's own; scripts/bench-analyzer-child.mjs):
 *   raw      read the lines and JSON.parse each (the floor any JSON reader pays)
 *   read     readSpans only (every span as a WireSpan)
 *   analyze  analyze(readSpans(file)): the JSON Lines fast path, the rules, the result
 *   cli      what users run: `wirescope analyze <file> --format json`, the built CLI (packages/cli/dist/bin.js,
 *            what the installed `wirescope` bin runs) as a child process; its elapsed time, CPU and peak
 *            RSS read by /usr/bin/time (issue 12)
 * The steps run the built analyzer on plain node, as the CLI does; `--source` runs the TypeScript
 * through tsx instead (its loader thread adds some 45 MB of RSS to every step).
 * Run: node --import tsx --conditions=@wirescope/source scripts/bench-analyzer.ts [spans] [steps] [--rounds=3] [--source]
 *   e.g. `… 1000000 raw,analyze,cli --rounds=5` (raw always runs, first in each round: the ratios are against it).
 * Targets (issue): analysis ≤ 1.5× raw, ≤ 250 MB RSS.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticOtlpLines } from '../packages/analyzer/src/testing/synthetic-otlp.js';

type Mode = 'raw' | 'read' | 'analyze' | 'cli';

interface Measurement {
  seconds: number;
  /** User + system CPU seconds: steadier than wall time on a busy machine. */
  cpuSeconds: number;
  spans: number;
  maxRssMb: number;
}

async function generate(file: string, spanCount: number): Promise<void> {
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  for (const line of syntheticOtlpLines(spanCount)) {
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

/** Each step in a fresh process: the built analyzer on plain node, or with `--source` the TypeScript through tsx. */
function runChild(mode: Mode, file: string, source: boolean): Measurement {
  if (mode === 'cli') return runCli(file, source);
  const script = fileURLToPath(new URL('./bench-analyzer-child.mjs', import.meta.url));
  const flags = source ? ['--import', 'tsx', '--conditions=@wirescope/source'] : [];
  const stdout = execFileSync(process.execPath, [...flags, script, mode, file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Measurement;
}

/**
 * `wirescope analyze <file> --format json` in a child process, measured from outside by /usr/bin/time
 * (elapsed, user and system CPU, peak RSS in KiB): the whole command, start-up and report included.
 */
function runCli(file: string, source: boolean): Measurement {
  const cli = source
    ? [
        '--import',
        'tsx',
        '--conditions=@wirescope/source',
        fileURLToPath(new URL('../packages/cli/src/bin.ts', import.meta.url)),
      ]
    : [fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url))];
  const child = spawnSync(
    '/usr/bin/time',
    ['-f', 'wirescope-bench %e %U %S %M', process.execPath, ...cli, 'analyze', file, '--format', 'json'],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const timed = /wirescope-bench ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(child.stderr ?? '');
  if (child.status !== 0 || !timed)
    throw new Error(`wirescope analyze failed (${child.status}): ${child.stderr}`);
  const [, elapsed, user, system, maxRssKb] = timed.map(Number) as number[];
  return {
    seconds: elapsed as number,
    cpuSeconds: (user as number) + (system as number),
    spans: (JSON.parse(child.stdout) as { stats: { spans: number } }).stats.spans,
    maxRssMb: (maxRssKb as number) / 1024,
  };
}

async function main(): Promise<void> {
  const source = process.argv.includes('--source');
  const roundsArg = process.argv.find((arg) => arg.startsWith('--rounds='));
  const rounds = Math.max(1, Number(roundsArg?.slice('--rounds='.length) ?? 3));
  const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  if (!source) {
    console.log('building @wirescope/cli and the analyzer (turbo run build)…');
    execFileSync(
      'npx',
      ['turbo', 'run', 'build', '--filter=@wirescope/cli...', '--output-logs=errors-only'],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  }
  const spanCount = Number(args[0] ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'wirescope-bench-'));
  try {
    const file = join(dir, 'spans.jsonl');
    const genStart = Date.now();
    await generate(file, spanCount);
    const mb = statSync(file).size / 1024 / 1024;
    console.log(
      `generated ${file}: ${mb.toFixed(0)} MB, ≥${spanCount} spans, in ${((Date.now() - genStart) / 1000).toFixed(1)} s`,
    );
    const steps = new Set((args[1] ?? 'raw,read,analyze,cli').split(','));
    steps.add('raw');
    const modes = (['raw', 'read', 'analyze', 'cli'] as const).filter((step) => steps.has(step));
    // Interleaved rounds: this kind of machine drifts by tens of percent between minutes, so each
    // step's ratio is taken against the raw run of its own round, and the medians are shown.
    const runs = new Map<Mode, Measurement[]>(modes.map((mode) => [mode, []]));
    // The machine may be shared: its load, before and after, says how far the figures can be trusted.
    const load = () =>
      loadavg()
        .map((value) => value.toFixed(2))
        .join(', ');
    const loadBefore = load();
    for (let round = 1; round <= rounds; round++) {
      process.stderr.write(`round ${round}/${rounds}: ${modes.join(', ')}…\n`);
      for (const mode of modes) {
        const m = runChild(mode, file, source);
        runs.get(mode)?.push(m);
        process.stderr.write(
          `  ${mode}: ${m.seconds.toFixed(2)} s, cpu ${m.cpuSeconds.toFixed(2)} s, ${m.maxRssMb.toFixed(0)} MB (load ${load()})\n`,
        );
      }
    }
    const median = (values: number[]): number => {
      const sorted = [...values].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return sorted.length % 2 === 1
        ? (sorted[mid] as number)
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
    };
    const raws = runs.get('raw') as Measurement[];
    const pad = (text: string, width: number): string => text.padStart(width);
    console.log(
      `${'step'.padEnd(10)}${pad('seconds', 9)}${pad('spans/s', 12)}${pad('× raw', 8)}${pad('cpu s', 8)}${pad('cpu × raw', 11)}${pad('peak RSS MB', 13)}`,
    );
    for (const mode of modes) {
      const ms = runs.get(mode) as Measurement[];
      const seconds = median(ms.map((m) => m.seconds));
      const spans = ms[0]?.spans ?? 0;
      console.log(
        `${mode.padEnd(10)}${pad(seconds.toFixed(2), 9)}${pad(Math.round(spans / seconds).toLocaleString('en-US'), 12)}` +
          `${pad(median(ms.map((m, i) => m.seconds / (raws[i] as Measurement).seconds)).toFixed(2), 8)}` +
          `${pad(median(ms.map((m) => m.cpuSeconds)).toFixed(2), 8)}` +
          `${pad(median(ms.map((m, i) => m.cpuSeconds / (raws[i] as Measurement).cpuSeconds)).toFixed(2), 11)}` +
          `${pad(Math.max(...ms.map((m) => m.maxRssMb)).toFixed(0), 13)}`,
      );
    }
    console.log(
      `load average (1, 5, 15 min): ${loadBefore} before, ${load()} after, on ${availableParallelism()} CPUs`,
    );
    console.log(
      `medians of ${rounds} interleaved rounds; × raw is each round's ratio to its own raw run; peak RSS is the highest of the rounds`,
    );
    const counts = new Set([...runs.values()].flat().map((m) => m.spans));
    if (counts.size !== 1)
      console.log(`WARNING: the steps saw different span counts: ${[...counts].join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
