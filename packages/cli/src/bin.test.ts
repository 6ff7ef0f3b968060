import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpJson, otlpJsonLines, putObjectsOnNewConnections, tempDir, writeInput } from './test-spans.js';

// The real bin in a subprocess, from source: proves exit codes, stderr and the shebang entry point.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'packages/cli/src/bin.ts');

function wirescope(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    ['--conditions=@wirescope/source', '--import', 'tsx', BIN, ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', WIRESCOPE_DEBUG: '' },
      timeout: 60_000,
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let dir: string;
let traces: string;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  dir = tempDir();
  traces = writeInput(dir, 'traces.jsonl', otlpJsonLines(putObjectsOnNewConnections(3)));
});

// Each spawn compiles the CLI with tsx: seconds on a busy 2-core machine, hence the generous timeout.
describe('wirescope bin (subprocess)', { timeout: 120_000 }, () => {
  it('analyzes a valid file: exit 0, report on stdout', () => {
    const { code, stdout, stderr } = wirescope('analyze', traces, '--format', 'json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ stats: { spanCountsByName: { 'tls.handshake': 3 } } });
  });

  it('exits 2 naming a missing file', () => {
    const missing = join(dir, 'missing.jsonl');
    const { code, stderr } = wirescope('analyze', missing);
    expect(code).toBe(2);
    expect(stderr).toContain(missing);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 with line and column for truncated JSON', () => {
    const text = otlpJson(putObjectsOnNewConnections(1));
    const truncated = writeInput(dir, 'truncated.json', text.slice(0, Math.floor(text.length * 0.6)));
    const { code, stderr } = wirescope('analyze', truncated);
    expect(code).toBe(2);
    expect(stderr).toMatch(/truncated\.json, line \d+, column \d+: /);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('exits 2 for an unknown flag', () => {
    const { code, stderr } = wirescope('analyze', traces, '--no-such-flag');
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--no-such-flag'");
  });

  it('check: exit 0 within budget, 1 over it', () => {
    const within = writeInput(dir, 'within.json', JSON.stringify({ spans: { 'tls.handshake': { max: 3 } } }));
    const over = writeInput(dir, 'over.json', JSON.stringify({ spans: { 'tls.handshake': { max: 2 } } }));
    const ok = wirescope('check', traces, '--budget', within);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/tls\.handshake\s+3\s+max 3\s+pass/);
    const failed = wirescope('check', traces, '--budget', over);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/tls\.handshake\s+3\s+max 2\s+FAIL/);
  });
});
