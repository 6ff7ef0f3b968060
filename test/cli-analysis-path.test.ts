// Issue 12: `wirescope analyze` and the library take one analysis path. The CLI reads each input through
// `Analysis.addInput(readSpans(…))`, as `analyze(readSpans(file))` does: a `readSpans` iterator handed
// over whole, its OTLP JSON Lines scanned from the bytes (no WireSpan per span, no JSON.parse per line).
// Its JSON report on every fixture form (plain, gzip, stdin, several files at once) is the library's.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { analyze, createAnalysis, formatJson, readSpans } from '@wirescope/analyzer';
import { main } from '@wirescope/cli';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const FORM_DIRS = ['', 'formats/', 'standard/'];
const fixtures = FORM_DIRS.flatMap((sub) =>
  readdirSync(join(FIXTURES, sub))
    .filter((name) => name.endsWith('.json') || name.endsWith('.jsonl'))
    .map((name) => join(FIXTURES, sub, name)),
);
const dir = mkdtempSync(join(tmpdir(), 'wirescope-cli-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(
  argv: string[],
  stdin?: Buffer,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from(stdin === undefined ? [] : [stdin]),
    isTTY: {},
    env: {},
  });
  return { code, stdout, stderr };
}

/**
 * The two ways a `readSpans` iterator is consumed: `takeRecords` hands the whole input over as record
 * batches (the fast path); `next` hands out WireSpans one by one (the slow path a span loop takes).
 */
function spyOnReadingPaths() {
  const iterator = Object.getPrototypeOf(readSpans({ path: join(dir, 'never-opened') })) as {
    next(): unknown;
    takeRecords(): unknown;
  };
  return { wholeInputs: vi.spyOn(iterator, 'takeRecords'), spanBySpan: vi.spyOn(iterator, 'next') };
}

afterEach(() => vi.restoreAllMocks());

describe('the CLI reads on the fast path', () => {
  const jsonl = join(FIXTURES, 'connection-churn.otlp.jsonl');

  it('hands each OTLP JSON Lines input over whole and scans it without JSON.parse (file, gzip, stdin)', async () => {
    const gz = join(dir, 'connection-churn.otlp.jsonl.gz');
    writeFileSync(gz, gzipSync(readFileSync(jsonl)));
    const paths = spyOnReadingPaths();
    const parse = vi.spyOn(JSON, 'parse');
    const { code, stdout, stderr } = await run(
      ['analyze', jsonl, gz, '-', '--format', 'json'],
      readFileSync(jsonl),
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    parse.mockRestore();
    expect(paths.wholeInputs).toHaveBeenCalledTimes(3);
    expect(paths.spanBySpan).not.toHaveBeenCalled();
    // No line of this fixture falls back to JSON.parse: the CLI gets the line scanner, not only batches.
    expect(parse).not.toHaveBeenCalled();
    expect(JSON.parse(stdout).stats.spans).toBeGreaterThan(0);
  });

  it('takes the same path as analyze(readSpans(file))', async () => {
    const paths = spyOnReadingPaths();
    await analyze(readSpans({ path: jsonl }));
    expect(paths.wholeInputs).toHaveBeenCalledTimes(1);
    expect(paths.spanBySpan).not.toHaveBeenCalled();
  });
});

describe('the CLI report is the library report', () => {
  it.each(fixtures.map((file) => [file.slice(FIXTURES.length), file]))('%s', async (_name, file) => {
    const expected = formatJson(await analyze(readSpans({ path: file })));
    expect((await run(['analyze', file, '--format', 'json'])).stdout).toBe(expected);

    const gz = join(dir, `${file.slice(FIXTURES.length).replaceAll('/', '_')}.gz`);
    writeFileSync(gz, gzipSync(readFileSync(file)));
    expect((await run(['analyze', gz, '--format', 'json'])).stdout).toBe(
      formatJson(await analyze(readSpans({ path: gz }))),
    );

    const stdin = readFileSync(file);
    expect((await run(['analyze', '-', '--format', 'json'], stdin)).stdout).toBe(
      formatJson(await analyze(readSpans({ stream: Readable.from([stdin]), name: '-' }))),
    );
  });

  it('several inputs: one analysis, each input added in turn', async () => {
    const files = ['otlp.jsonl', 'otlp.json', 'jaeger.json'].map((form) =>
      join(FIXTURES, `stale-connection-reset.${form}`),
    );
    const analysis = createAnalysis();
    for (const file of files) await analysis.addInput(readSpans({ path: file }));
    const { code, stdout } = await run(['analyze', ...files, '--format', 'json']);
    expect(code).toBe(0);
    expect(stdout).toBe(formatJson(analysis.finish()));
  });

  it('lenient reading: skipped records reported as the library reports them', async () => {
    const lines = readFileSync(join(FIXTURES, 'connection-churn.otlp.jsonl'), 'utf8').trimEnd().split('\n');
    const mixed = join(dir, 'mixed.jsonl');
    writeFileSync(
      mixed,
      `${[lines[0], '{"resourceMetrics":[]}', '{"resourceSpans": [', ...lines.slice(1)].join('\n')}\n`,
    );
    const library = await analyze(readSpans({ path: mixed }));
    expect(library.stats.skipped).toEqual({ notTraces: 1, badRecords: 1 });
    const { code, stdout } = await run(['analyze', mixed, '--format', 'json']);
    expect(code).toBe(0);
    expect(stdout).toBe(formatJson(library));
  });
});
