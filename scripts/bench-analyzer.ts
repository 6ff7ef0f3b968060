/**
 * Analyzer benchmark (not a test). Builds the analyzer, generates realistic wirescope spans in a
 * temporary directory in three input forms (issue 12), then measures each step in a process of its own
 * (so peak RSS is the step's own; scripts/bench-analyzer-child.mjs):
 *   forms    jsonl: OTLP JSON Lines, one request per trace, `[spans]` spans (default 1M);
 *            json: one OTLP JSON document of `--json-spans` spans (default 200k, about 200 MB);
 *            proto: the same spans as one binary ExportTraceServiceRequest, a ResourceSpans per 512
 *            spans (an exporter's batches), encoded with protobufjs from the OTLP protos
 *   raw      the baseline of the form (issue 12): jsonl, node:readline and JSON.parse per line;
 *            json, the file read and JSON.parse'd whole; proto, the file read and decoded whole by
 *            protobufjs (the maintained decoder the analyzer uses)
 *   floor    jsonl only, a stricter floor than readline: lines split from 1 MiB chunks read the way
 *            the analyzer reads files, each JSON.parse'd
 *   read     readSpans only (every span as a WireSpan)
 *   analyze  analyze(readSpans(file)): the JSON Lines fast path, the rules, the result
 *   cli      what users run: `wirescope analyze <file> --format json`, the built CLI (packages/cli/dist/bin.js,
 *            what the installed `wirescope` bin runs) as a child process (issue 12)
 * Every step is measured the same way, from outside by /usr/bin/time: elapsed time, user + system CPU
 * and peak RSS of the whole process, node's start-up included (the raw steps import only their parser).
 * The steps run the built analyzer on plain node, as the CLI does; `--source` runs the TypeScript
 * through tsx instead (its loader thread adds some 45 MB of RSS to every step).
 * Run: node --import tsx --conditions=@wirescope/source scripts/bench-analyzer.ts [spans] [steps] [--rounds=3]
 *        [--forms=jsonl,json,proto] [--json-spans=200000] [--source]
 *   e.g. `… 1000000 raw,cli --rounds=3` (raw always runs, first in each round: the ratios are against it;
 *   floor, read and analyze run on the jsonl form only).
 * Targets (issue 12): the CLI ≤ 1.3× raw in elapsed and CPU time, ≤ 200 MB peak RSS, on every form.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs/light.js';
import { OTLP_TRACE_DESCRIPTOR } from '../packages/analyzer/src/readers/otlp-proto-schema.js';
import {
  syntheticOtlpDocument,
  syntheticOtlpLines,
  syntheticResourceSpans,
} from '../packages/analyzer/src/testing/synthetic-otlp.js';

type Mode = 'raw' | 'floor' | 'read' | 'analyze' | 'cli';
type Form = 'jsonl' | 'json' | 'proto';

interface Measurement {
  seconds: number;
  /** User + system CPU seconds: steadier than wall time on a busy machine. */
  cpuSeconds: number;
  spans: number;
  maxRssMb: number;
}

/** A hex id as bytes, for protobufjs. */
const hexBytes = (hex: unknown): Buffer | undefined =>
  typeof hex === 'string' && hex !== '' ? Buffer.from(hex, 'hex') : undefined;

/** The pieces of one form's file: text, or for proto each ResourceSpans as field 1 of the request. */
function* pieces(form: Form, spanCount: number): Generator<string | Uint8Array> {
  if (form === 'jsonl') yield* syntheticOtlpLines(spanCount);
  else if (form === 'json') yield* syntheticOtlpDocument(spanCount);
  else {
    const root = protobuf.Root.fromJSON(OTLP_TRACE_DESCRIPTOR as unknown as protobuf.INamespace);
    const type = root.lookupType('ResourceSpans');
    for (const rs of syntheticResourceSpans(spanCount) as Iterable<{
      scopeSpans: Array<{ spans: Array<Record<string, unknown>> }>;
    }>) {
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans) {
          span.traceId = hexBytes(span.traceId);
          span.spanId = hexBytes(span.spanId);
          span.parentSpanId = hexBytes(span.parentSpanId);
        }
      const body = type.encode(type.fromObject(rs)).finish();
      yield protobuf.Writer.create().uint32(0x0a).uint32(body.length).finish();
      yield body;
    }
  }
}

async function generate(file: string, form: Form, spanCount: number): Promise<void> {
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  for (const piece of pieces(form, spanCount)) {
    if (!out.write(piece)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

/**
 * Each step in a fresh process, measured from outside by /usr/bin/time like the CLI: the whole process,
 * node's start-up and the step's own imports included (the raw steps import only what they parse with),
 * so a ratio compares two processes measured the same way. The built analyzer on plain node, or with
 * `--source` the TypeScript through tsx.
 */
function runChild(mode: Mode, form: Form, file: string, source: boolean): Measurement {
  if (mode === 'cli') return runCli(file, source);
  const script = fileURLToPath(new URL('./bench-analyzer-child.mjs', import.meta.url));
  const flags = source ? ['--import', 'tsx', '--conditions=@wirescope/source'] : [];
  return timed([...flags, script, mode, file, form], (stdout) => {
    const last = stdout.trim().split('\n').pop() ?? '';
    return (JSON.parse(last) as { spans: number }).spans;
  });
}

/** `wirescope analyze <file> --format json` in a child process: the whole command, start-up and report included. */
function runCli(file: string, source: boolean): Measurement {
  const cli = source
    ? [
        '--import',
        'tsx',
        '--conditions=@wirescope/source',
        fileURLToPath(new URL('../packages/cli/src/bin.ts', import.meta.url)),
      ]
    : [fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url))];
  return timed(
    [...cli, 'analyze', file, '--format', 'json'],
    (stdout) => (JSON.parse(stdout) as { stats: { spans: number } }).stats.spans,
  );
}

/** node with `args` under /usr/bin/time (elapsed, user and system CPU, peak RSS in KiB); `spansOf` reads its output. */
function timed(args: string[], spansOf: (stdout: string) => number): Measurement {
  const child = spawnSync('/usr/bin/time', ['-f', 'wirescope-bench %e %U %S %M', process.execPath, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const times = /wirescope-bench ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(child.stderr ?? '');
  if (child.status !== 0 || !times)
    throw new Error(`${args.join(' ')} failed (${child.status}): ${child.stderr}`);
  const [, elapsed, user, system, maxRssKb] = times.map(Number) as number[];
  return {
    seconds: elapsed as number,
    cpuSeconds: (user as number) + (system as number),
    spans: spansOf(child.stdout),
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
  const jsonSpansArg = process.argv.find((arg) => arg.startsWith('--json-spans='));
  const jsonSpans = Number(jsonSpansArg?.slice('--json-spans='.length) ?? 200_000);
  const formsArg = process.argv.find((arg) => arg.startsWith('--forms='));
  const forms = (formsArg?.slice('--forms='.length) ?? 'jsonl,json,proto').split(',') as Form[];
  const steps = new Set((args[1] ?? 'raw,floor,analyze,cli').split(','));
  steps.add('raw');
  // The machine may be shared: its load, before and after, says how far the figures can be trusted.
  const load = () =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(', ');
  const dir = mkdtempSync(join(tmpdir(), 'wirescope-bench-'));
  try {
    const files = new Map<Form, string>();
    for (const form of forms) {
      const file = join(dir, `spans.${form === 'proto' ? 'pb' : form}`);
      const genStart = Date.now();
      const count = form === 'jsonl' ? spanCount : jsonSpans;
      await generate(file, form, count);
      const mb = statSync(file).size / 1024 / 1024;
      console.log(
        `generated ${form.padEnd(5)} ${mb.toFixed(0).padStart(5)} MB, ≥${count} spans, in ${((Date.now() - genStart) / 1000).toFixed(1)} s`,
      );
      files.set(form, file);
    }
    const modesOf = (form: Form): Mode[] =>
      (['raw', 'floor', 'read', 'analyze', 'cli'] as const).filter(
        (step) => steps.has(step) && (form === 'jsonl' || step === 'raw' || step === 'cli'),
      );
    // Interleaved rounds: this kind of machine drifts by tens of percent between minutes, so each
    // step's ratio is taken against the raw run of its own round and form, and the medians are shown.
    const runs = new Map<string, Measurement[]>();
    const loadBefore = load();
    for (let round = 1; round <= rounds; round++) {
      for (const form of forms) {
        process.stderr.write(`round ${round}/${rounds}, ${form}: ${modesOf(form).join(', ')}…\n`);
        for (const mode of modesOf(form)) {
          const m = runChild(mode, form, files.get(form) as string, source);
          const key = `${form} ${mode}`;
          runs.set(key, [...(runs.get(key) ?? []), m]);
          process.stderr.write(
            `  ${mode}: ${m.seconds.toFixed(2)} s, cpu ${m.cpuSeconds.toFixed(2)} s, ${m.maxRssMb.toFixed(0)} MB, ${m.spans} spans (load ${load()})\n`,
          );
        }
      }
    }
    const median = (values: number[]): number => {
      const sorted = [...values].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return sorted.length % 2 === 1
        ? (sorted[mid] as number)
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
    };
    const pad = (text: string, width: number): string => text.padStart(width);
    console.log(
      `${'form'.padEnd(7)}${'step'.padEnd(9)}${pad('seconds', 9)}${pad('spans/s', 12)}${pad('× raw', 8)}${pad('cpu s', 8)}${pad('cpu × raw', 11)}${pad('peak RSS MB', 13)}`,
    );
    const counts: string[] = [];
    for (const form of forms) {
      const raws = runs.get(`${form} raw`) as Measurement[];
      for (const mode of modesOf(form)) {
        const ms = runs.get(`${form} ${mode}`) as Measurement[];
        const seconds = median(ms.map((m) => m.seconds));
        const spans = ms[0]?.spans ?? 0;
        console.log(
          `${form.padEnd(7)}${mode.padEnd(9)}${pad(seconds.toFixed(2), 9)}${pad(Math.round(spans / seconds).toLocaleString('en-US'), 12)}` +
            `${pad(median(ms.map((m, i) => m.seconds / (raws[i] as Measurement).seconds)).toFixed(2), 8)}` +
            `${pad(median(ms.map((m) => m.cpuSeconds)).toFixed(2), 8)}` +
            `${pad(median(ms.map((m, i) => m.cpuSeconds / (raws[i] as Measurement).cpuSeconds)).toFixed(2), 11)}` +
            `${pad(Math.max(...ms.map((m) => m.maxRssMb)).toFixed(0), 13)}`,
        );
      }
      const seen = new Set(
        modesOf(form).flatMap((mode) => (runs.get(`${form} ${mode}`) ?? []).map((m) => m.spans)),
      );
      if (seen.size !== 1) counts.push(`${form}: ${[...seen].join(', ')}`);
    }
    console.log(
      `load average (1, 5, 15 min): ${loadBefore} before, ${load()} after, on ${availableParallelism()} CPUs`,
    );
    console.log(
      `medians of ${rounds} interleaved rounds; × raw is each round's ratio to its own raw run of the same form; peak RSS is the highest of the rounds`,
    );
    if (counts.length > 0) console.log(`WARNING: the steps saw different span counts: ${counts.join('; ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
