/**
 * Analyzer benchmark (not a test). Builds the analyzer, generates a JSON Lines file of 1M realistic
 * wirescope spans in a temporary directory, then measures each step in a process of its own (so peak
 * RSS is the step's own; scripts/bench-analyzer-child.mjs):
 *   raw      read the lines and JSON.parse each (the floor any JSON reader pays)
 *   read     readSpans only (every span as a WireSpan)
 *   analyze  analyze(readSpans(file)): the JSON Lines fast path, the rules, the result
 * The steps run the built analyzer on plain node, as the CLI does; `--source` runs the TypeScript
 * through tsx instead (its loader thread adds some 45 MB of RSS to every step).
 * Run: node --import tsx --conditions=@wirescope/source scripts/bench-analyzer.ts [spans] [steps] [--source]
 *   e.g. `… 1000000 raw,read` (raw always runs first: the ratios are against it).
 * Targets (issue): analysis ≤ 1.5× raw, ≤ 250 MB RSS.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticOtlpLines } from '../packages/analyzer/src/readers/testing/synthetic-otlp.js';

type Mode = 'raw' | 'read' | 'analyze';

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

async function main(): Promise<void> {
  const source = process.argv.includes('--source');
  const args = process.argv.slice(2).filter((arg) => arg !== '--source');
  if (!source) {
    console.log('building @wirescope/analyzer (turbo run build)…');
    execFileSync(
      'npx',
      ['turbo', 'run', 'build', '--filter=@wirescope/analyzer...', '--output-logs=errors-only'],
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
    const rows: Array<[string, Measurement]> = [];
    const pad = (text: string, width: number): string => text.padStart(width);
    console.log(
      `${'step'.padEnd(10)}${pad('seconds', 9)}${pad('spans/s', 12)}${pad('× raw', 8)}${pad('cpu s', 8)}${pad('cpu × raw', 11)}${pad('peak RSS MB', 13)}`,
    );
    const steps = new Set((args[1] ?? 'raw,read,analyze').split(','));
    steps.add('raw');
    for (const mode of (['raw', 'read', 'analyze'] as const).filter((step) => steps.has(step))) {
      const m = runChild(mode, file, source);
      rows.push([mode, m]);
      const base = rows[0]![1].seconds;
      const baseCpu = rows[0]![1].cpuSeconds;
      console.log(
        `${mode.padEnd(10)}${pad(m.seconds.toFixed(2), 9)}${pad(Math.round(m.spans / m.seconds).toLocaleString('en-US'), 12)}` +
          `${pad((m.seconds / base).toFixed(2), 8)}${pad(m.cpuSeconds.toFixed(2), 8)}` +
          `${pad((m.cpuSeconds / baseCpu).toFixed(2), 11)}${pad(m.maxRssMb.toFixed(0), 13)}`,
      );
    }
    const counts = new Set(rows.map(([, m]) => m.spans));
    if (counts.size !== 1)
      console.log(`WARNING: the steps saw different span counts: ${[...counts].join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
