/**
 * Analyzer benchmark (not a test). Generates a JSON Lines file of 1M realistic wirescope spans in a
 * temporary directory, then measures in separate child processes (so peak RSS is each one's own):
 *   raw      read the lines and JSON.parse each (the floor any JSON reader pays)
 *   read     readSpans only (parse + normalize to WireSpan)
 *   analyze  analyze(readSpans(file)), when the analyzer exports `analyze`
 * Run: node --import tsx --conditions=@wirescope/source scripts/bench-analyzer.ts [spans] [steps]
 *   e.g. `… 1000000 raw,read` (raw always runs first: the ratios are against it).
 * Targets (issue): analysis ≤ 1.5× raw, ≤ 250 MB RSS; reader alone ≤ 1.3× raw.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
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
  skipped?: string;
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

/**
 * Lines split from 1 MiB chunks read the way the analyzer reads files (one buffer used again for each
 * chunk), each given to JSON.parse.
 */
async function raw(file: string): Promise<number> {
  let spans = 0;
  let carry: Buffer | undefined;
  const parse = (text: string): void => {
    const request = JSON.parse(text) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: unknown[] }> }> };
    for (const rs of request.resourceSpans) for (const ss of rs.scopeSpans) spans += ss.spans.length;
  };
  const handle = await open(file, 'r');
  const buffer = Buffer.allocUnsafeSlow(1 << 20);
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        parse(
          carry
            ? Buffer.concat([carry, chunk.subarray(0, nl)]).toString()
            : chunk.toString('utf8', start, nl),
        );
        carry = undefined;
        start = nl + 1;
      }
      if (start < chunk.length)
        carry = Buffer.concat(carry ? [carry, chunk.subarray(start)] : [chunk.subarray(start)]);
    }
  } finally {
    await handle.close();
  }
  if (carry) parse(carry.toString());
  return spans;
}

async function child(mode: Mode, file: string): Promise<Measurement> {
  const analyzer = (await import('@wirescope/analyzer')) as Record<string, unknown> &
    typeof import('@wirescope/analyzer');
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let spans = 0;
  if (mode === 'raw') {
    spans = await raw(file);
  } else if (mode === 'read') {
    for await (const _span of analyzer.readSpans({ path: file })) spans++;
  } else {
    const analyze = analyzer['analyze'];
    if (typeof analyze !== 'function') {
      return {
        seconds: 0,
        cpuSeconds: 0,
        spans: 0,
        maxRssMb: 0,
        skipped: '@wirescope/analyzer does not export analyze yet',
      };
    }
    const result = (await analyze(analyzer.readSpans({ path: file }))) as { stats: { spans: number } };
    spans = result.stats.spans;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    spans,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

function runChild(mode: Mode, file: string): Measurement {
  const script = fileURLToPath(import.meta.url);
  const stdout = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=@wirescope/source', script, '--child', mode, file],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Measurement;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    process.stdout.write(`${JSON.stringify(await child(args[1] as Mode, args[2]!))}\n`);
    return;
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
      const m = runChild(mode, file);
      rows.push([mode, m]);
      if (m.skipped) {
        console.log(`${mode.padEnd(10)}skipped: ${m.skipped}`);
        continue;
      }
      const base = rows[0]![1].seconds;
      const baseCpu = rows[0]![1].cpuSeconds;
      console.log(
        `${mode.padEnd(10)}${pad(m.seconds.toFixed(2), 9)}${pad(Math.round(m.spans / m.seconds).toLocaleString('en-US'), 12)}` +
          `${pad((m.seconds / base).toFixed(2), 8)}${pad(m.cpuSeconds.toFixed(2), 8)}` +
          `${pad((m.cpuSeconds / baseCpu).toFixed(2), 11)}${pad(m.maxRssMb.toFixed(0), 13)}`,
      );
    }
    const counts = new Set(rows.filter(([, m]) => !m.skipped).map(([, m]) => m.spans));
    if (counts.size !== 1)
      console.log(`WARNING: the steps saw different span counts: ${[...counts].join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
