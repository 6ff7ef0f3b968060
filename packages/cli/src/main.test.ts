import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './main.js';
import { otlpJson, otlpJsonLines, putObjectsOnNewConnections, tempDir, writeInput } from './test-spans.js';

interface RunOptions {
  stdin?: string;
  isTTY?: { stdout?: boolean; stderr?: boolean };
  env?: Record<string, string | undefined>;
}

async function run(argv: string[], options: RunOptions = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    isTTY: options.isTTY ?? {},
    env: options.env ?? {},
  });
  return { code, stdout, stderr };
}

let dir: string;
let jsonl: string;
let json: string;
let gz: string;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  dir = tempDir();
  const traces = putObjectsOnNewConnections(3);
  jsonl = writeInput(dir, 'traces.jsonl', otlpJsonLines(traces));
  json = writeInput(dir, 'traces.json', otlpJson(traces));
  gz = writeInput(dir, 'traces.jsonl.gz', gzipSync(otlpJsonLines(traces)));
});

function budget(name: string, content: object): string {
  return writeInput(dir, name, JSON.stringify(content));
}

describe('usage', () => {
  it('prints the top-level help with --help and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: wirescope <command>');
    expect(stdout).toContain('analyze <file…|->');
    expect(stdout).toContain('check <file…> --budget');
  });

  it('prints each command help with --help and `help <command>`', async () => {
    expect((await run(['analyze', '--help'])).stdout).toContain('--format <format>');
    expect((await run(['check', '-h'])).stdout).toContain('--budget <file>');
    expect((await run(['help', 'check'])).stdout).toContain('Usage: wirescope check');
  });

  it('prints the version of the package', async () => {
    const { code, stdout } = await run(['--version']);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(code).toBe(0);
    expect(stdout).toBe(`${pkg.version}\n`);
  });

  it('exits 2 with one line and a hint for bad usage', async () => {
    const cases: [string[], string][] = [
      [['frobnicate'], "wirescope: unknown command 'frobnicate'"],
      [['analyze', '--frob', jsonl], "wirescope: unknown option '--frob'"],
      [['--frob'], "wirescope: unknown option '--frob'"],
      [['analyze'], 'wirescope: missing input file'],
      [['analyze', jsonl, '--format'], "wirescope: option '--format' needs a value"],
      [
        ['analyze', jsonl, '--format', 'pdf'],
        'wirescope: --format must be one of text, json, markdown, html',
      ],
      [['analyze', jsonl, '--caller-region', 'moon'], "--caller-region 'moon' is not an AWS region"],
      [['check', jsonl], 'wirescope: missing --budget <file>'],
      [['analyze', '-', '-'], 'stdin (-) can be read only once'],
    ];
    for (const [argv, message] of cases) {
      const { code, stdout, stderr } = await run(argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stdout).toBe('');
      const lines = stderr.trimEnd().split('\n');
      expect(lines, argv.join(' ')).toHaveLength(2);
      expect(lines[0]).toContain(message);
      expect(lines[1]).toMatch(/^Run 'wirescope( analyze| check)? --help' for usage\.$/);
    }
  });

  it('prints the help on stderr and exits 2 without a command', async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Usage: wirescope');
  });
});

describe('analyze', () => {
  it('reads OTLP JSON Lines, OTLP JSON and gzip, and exits 0', async () => {
    for (const file of [jsonl, json, gz]) {
      const { code, stdout, stderr } = await run(['analyze', file, '--format', 'json']);
      expect(code, file).toBe(0);
      expect(stderr).toBe('');
      const report = JSON.parse(stdout) as { stats: { spanCountsByName: Record<string, number> } };
      expect(report.stats.spanCountsByName['tls.handshake']).toBe(3);
      expect(report.stats.spanCountsByName['S3.PutObject']).toBe(3);
    }
  });

  it('reads stdin for -', async () => {
    const { code, stdout } = await run(['analyze', '-', '--format', 'json'], {
      stdin: otlpJsonLines(putObjectsOnNewConnections(2)),
    });
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { stats: { spans: number } }).stats.spans).toBe(10);
  });

  it('adds the spans of several files into one analysis', async () => {
    const more = writeInput(dir, 'more.jsonl', otlpJsonLines(putObjectsOnNewConnections(2, 10)));
    const { code, stdout } = await run(['analyze', jsonl, more, '--format', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      stats: { spans: number; spanCountsByName: Record<string, number> };
    };
    expect(report.stats.spans).toBe(25);
    expect(report.stats.spanCountsByName['tls.handshake']).toBe(5);
  });

  it('prints text without colour unless stdout is a terminal, and honours NO_COLOR / FORCE_COLOR', async () => {
    const plain = await run(['analyze', jsonl]);
    expect(plain.code).toBe(0);
    expect(plain.stdout.length).toBeGreaterThan(0);
    expect(plain.stdout).not.toContain('\x1b[');
    const tty = await run(['analyze', jsonl], { isTTY: { stdout: true } });
    expect(tty.stdout).toContain('\x1b[');
    expect(await run(['analyze', jsonl, '--no-color'], { isTTY: { stdout: true } })).toMatchObject({
      stdout: plain.stdout,
    });
    expect((await run(['analyze', jsonl], { isTTY: { stdout: true }, env: { NO_COLOR: '1' } })).stdout).toBe(
      plain.stdout,
    );
    expect((await run(['analyze', jsonl], { env: { FORCE_COLOR: '1' } })).stdout).toBe(tty.stdout);
  });

  it('writes markdown and html, to --output instead of stdout', async () => {
    const markdown = await run(['analyze', jsonl, '--format', 'markdown']);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toMatch(/^#/m);
    const out = join(dir, 'report.html');
    const html = await run(['analyze', jsonl, '--format', 'html', '--output', out, '--title', 'CLI test']);
    expect(html).toEqual({ code: 0, stdout: '', stderr: '' });
    const written = readFileSync(out, 'utf8');
    expect(written).toMatch(/<html/i);
    expect(written).toContain('CLI test');
  });

  it('shows progress on stderr with --progress and erases it at the end', async () => {
    const { code, stderr } = await run(['analyze', jsonl, '--progress', '--format', 'json']);
    expect(code).toBe(0);
    expect(stderr).toContain('spans read');
    expect(stderr.endsWith('\r\x1b[K')).toBe(true);
    // Not a terminal and no --progress: stderr stays empty.
    expect((await run(['analyze', jsonl, '--format', 'json'])).stderr).toBe('');
  });
});

describe('unreadable input', () => {
  it('names a missing file, exits 2, no stack', async () => {
    const missing = join(dir, 'nope.jsonl');
    const { code, stdout, stderr } = await run(['analyze', missing]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^wirescope: .*nope\.jsonl/)]);
  });

  it('gives the line and column of truncated JSON', async () => {
    const text = otlpJson(putObjectsOnNewConnections(1));
    const truncated = writeInput(dir, 'truncated.json', text.slice(0, Math.floor(text.length / 2)));
    const { code, stderr } = await run(['analyze', truncated]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^wirescope: .*truncated\.json, line \d+, column \d+: .+\n$/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['a 0-byte file', ''],
    ['a whitespace-only file', '  \n\t\n'],
  ])('exits 2 with "no spans" for %s, in analyze and check', async (_what, text) => {
    const empty = writeInput(dir, `empty-${text.length}.jsonl`, text);
    const file = budget('empty-budget.json', { forbid: ['connection-churn'] });
    for (const argv of [
      ['analyze', empty],
      ['check', empty, '--budget', file],
    ]) {
      const { code, stdout, stderr } = await run(argv);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(
        /^wirescope: .*empty-\d+\.jsonl: no spans: the input is empty or holds no trace records\n$/,
      );
    }
  });

  it('exits 2 for an empty stdin', async () => {
    const { code, stderr } = await run(['analyze', '-'], { stdin: '' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^wirescope: -: no spans/);
  });

  it('prints a stack only with WIRESCOPE_DEBUG=1', async () => {
    const garbage = writeInput(dir, 'garbage.jsonl', '{"resourceSpans": [}\n');
    const quiet = await run(['analyze', garbage]);
    expect(quiet.code).toBe(2);
    expect(quiet.stderr.trimEnd().split('\n')).toHaveLength(1);
    const debug = await run(['analyze', garbage], { env: { WIRESCOPE_DEBUG: '1' } });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});

describe('check', () => {
  it('exits 0 within budget and prints every limit with actual and expected', async () => {
    const file = budget('ok.json', {
      spans: { 'tls.handshake': { max: 3 }, 'S3.PutObject': { min: 1 }, 'dns.lookup': { exact: 3 } },
      forbid: ['cross-region'],
    });
    const { code, stdout } = await run(['check', jsonl, '--budget', file]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines.find((l) => l.includes('tls.handshake'))).toMatch(/tls\.handshake\s+3\s+max 3\s+pass$/);
    expect(lines.find((l) => l.includes('S3.PutObject'))).toMatch(/S3\.PutObject\s+3\s+min 1\s+pass$/);
    expect(lines.find((l) => l.includes('dns.lookup'))).toMatch(/dns\.lookup\s+3\s+exactly 3\s+pass$/);
    expect(lines.find((l) => l.includes('cross-region'))).toMatch(
      /finding cross-region\s+none\s+none\s+pass$/,
    );
    expect(stdout).toContain('within budget');
  });

  it('exits 1 over budget and marks the failed limit', async () => {
    const file = budget('over.json', { spans: { 'tls.handshake': { max: 2 }, 'S3.PutObject': { min: 1 } } });
    const { code, stdout } = await run(['check', jsonl, '--budget', file]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/tls\.handshake\s+3\s+max 2\s+FAIL/);
    expect(stdout).toMatch(/S3\.PutObject\s+3\s+min 1\s+pass/);
    expect(stdout).toContain('over budget, 1 of 2 limits failed');
  });

  it('fails on a forbidden finding and prints its summary', async () => {
    const file = budget('forbid.json', { forbid: ['connection-churn'], warn: ['dns-lookup-per-connection'] });
    const { code, stdout } = await run(['check', jsonl, '--budget', file]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/finding connection-churn\s+1 finding\s+none\s+FAIL/);
    expect(stdout).toMatch(/finding dns-lookup-per-connection\s+\S.*\s+warn$/m);
    expect(stdout).toMatch(/^ {2}connection-churn: 3 of 3 S3\.PutObject/m);
  });

  it('only warns for warnOnly limits', async () => {
    const file = budget('warn.json', { spans: { 'tls.handshake': { max: 1, warnOnly: true } } });
    const { code, stdout } = await run(['check', jsonl, '--budget', file]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/tls\.handshake\s+3\s+max 1\s+warn/);
  });

  it('reports json with --format json', async () => {
    const file = budget('json.json', { spans: { 'tls.handshake': { max: 2 } } });
    const { code, stdout } = await run(['check', jsonl, '--budget', file, '--format', 'json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { ok: boolean; rows: { subject: string; status: string }[] };
    expect(report.ok).toBe(false);
    expect(report.rows).toEqual([
      expect.objectContaining({ subject: 'tls.handshake', status: 'FAIL', actual: '3' }),
    ]);
  });

  it('fails a forbidden code whose rule could judge no call, with the reason; allowUnjudged lets it pass with a warning', async () => {
    // The calls' operation spans alone: no attempt, so no connection facts.
    const callsOnly = writeInput(
      dir,
      'calls-only.json',
      otlpJson(putObjectsOnNewConnections(3).map((t) => t.slice(0, 1))),
    );
    const strict = budget('forbid-churn.json', { forbid: ['connection-churn'] });
    const failed = await run(['check', callsOnly, '--budget', strict]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/finding connection-churn\s+not judged \(0 of 3 calls\)\s+none\s+FAIL/);
    expect(failed.stdout).toMatch(
      /^ {2}connection-churn could not be judged: no connection facts: add the wirescope plugin/m,
    );
    const lenient = budget('allow-unjudged.json', {
      forbid: ['connection-churn'],
      allowUnjudged: ['connection-churn'],
    });
    const warned = await run(['check', callsOnly, '--budget', lenient]);
    expect(warned.code).toBe(0);
    expect(warned.stdout).toMatch(/finding connection-churn\s+not judged \(0 of 3 calls\)\s+none\s+warn$/m);
  });

  it('holds minCoverage at both sides: 3 of 3 judged passes 1.0, 0 of 3 fails 0.01', async () => {
    const file = budget('min-coverage.json', {
      forbid: ['cross-region'],
      minCoverage: { 'connection-churn': 1, 'cross-region': 1 },
    });
    const full = await run(['check', jsonl, '--budget', file]);
    // Every call judged by both rules (churn is found, but not forbidden here): within budget.
    expect(full.code).toBe(0);
    expect(full.stdout).not.toMatch(/judged/);
    const callsOnly = writeInput(
      dir,
      'calls-only-2.json',
      otlpJson(putObjectsOnNewConnections(3).map((t) => t.slice(0, 1))),
    );
    const low = budget('min-coverage-low.json', { minCoverage: { 'connection-churn': 0.01 } });
    const none = await run(['check', callsOnly, '--budget', low]);
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(
      /judged connection-churn\s+not judged \(0 of 3 calls\)\s+judged ≥ 1 % of calls\s+FAIL/,
    );
  });

  it('exits 2 for a missing or malformed budget', async () => {
    const missing = await run(['check', jsonl, '--budget', join(dir, 'no-budget.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^wirescope: .*no-budget\.json.*\n$/);
    const bad = writeInput(dir, 'bad-budget.json', '{ "spans": { "tls.handshake": { "max": 2 }, }');
    const malformed = await run(['check', jsonl, '--budget', bad]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/^wirescope: .*bad-budget\.json.*\n$/);
  });
});
