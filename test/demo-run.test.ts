// Issue 6: the demo as a user runs it (a subprocess, `--quick`): exit 0, a finding code for every
// problem scenario and none for the healthy one, the trace and the HTML report written.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analyze, readSpans } from '@wirescope/analyzer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const outDir = mkdtempSync(join(tmpdir(), 'wirescope-demo-test-'));
let run: { code: number | null; stdout: string; stderr: string };

function runDemo(args: string[]): Promise<typeof run> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@wirescope/source', '--import', 'tsx', 'examples/demo/src/main.ts', ...args],
      // No NODE_EXTRA_CA_CERTS from the test setup: the demo must make its own certificate trusted.
      {
        cwd: ROOT,
        env: demoEnv(),
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** The test's environment, less what the demo must do without (and the SDK warning switch vitest sets). */
function demoEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_EXTRA_CA_CERTS: '',
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
  };
  delete env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'];
  return env;
}

/** The table row of a scenario: `id  <findings before> → <after>  p50…`. */
function row(id: string): string {
  const line = run.stdout.split('\n').find((l) => l.startsWith(`${id} `));
  if (!line) throw new Error(`no table row for ${id} in:\n${run.stdout}`);
  return line;
}

beforeAll(async () => {
  run = await runDemo(['--quick', '--out', outDir]);
}, 170_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('npm run demo -- --quick', () => {
  it('exits 0', () => {
    expect(run.code, `stderr:\n${run.stderr}\nstdout:\n${run.stdout}`).toBe(0);
  });

  it("keeps the AWS SDK's Node-version notice out of its output", () => {
    expect(run.stdout + run.stderr).not.toContain('NodeVersionSupportWarning');
  });

  it('prints the findings of every problem scenario before the fix, and none for the healthy one', () => {
    const expected: Record<string, string> = {
      churn: 'connection-churn',
      stale: 'stale-connection-reset',
      'expect-continue': 'expect-continue-no-reuse',
      'cross-region': 'cross-region',
      redirect: 'region-redirect',
    };
    for (const [id, code] of Object.entries(expected)) {
      const before = row(id).split('→')[0] as string;
      expect(before, id).toContain(code);
    }
    expect(row('healthy')).toMatch(/^healthy\s+none\s/);
    // The text report above the table carries the same codes, with a cost and a fix each.
    for (const code of Object.values(expected)) expect(run.stdout).toContain(`] ${code} (`);
    expect(run.stdout).toContain('fix: ');
  });

  it('applies each fix: the finding of the scenario is gone after it', () => {
    const fixed: Record<string, string> = {
      churn: 'connection-churn',
      stale: 'stale-connection-reset',
      'expect-continue': 'expect-continue-no-reuse',
      'cross-region': 'cross-region',
      redirect: 'region-redirect',
    };
    for (const [id, code] of Object.entries(fixed)) {
      const after = (row(id).split('→')[1] as string).split(/\s{2,}/)[0] as string;
      expect(after, id).not.toContain(code);
    }
    // A p50 before and after for each scenario with a fix.
    expect(row('churn')).toMatch(/\d+(\.\d)? ms\s+\d+(\.\d)? ms\s+-?\d+(\.\d)? ms$/);
  });

  it('writes the OTLP JSON Lines trace and the HTML report, and prints their paths', async () => {
    const trace = join(outDir, 'trace.jsonl');
    const report = join(outDir, 'report.html');
    expect(existsSync(trace)).toBe(true);
    expect(existsSync(report)).toBe(true);
    expect(run.stdout).toContain(trace);
    expect(run.stdout).toContain(report);
    // The trace file is readable by the analyzer and holds the same problems.
    const result = await analyze(readSpans({ path: trace }));
    const codes = new Set(result.findings.map((f) => f.code));
    for (const code of [
      'connection-churn',
      'stale-connection-reset',
      'expect-continue-no-reuse',
      'region-redirect',
    ]) {
      expect(codes.has(code as never), code).toBe(true);
    }
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('data-finding-code="connection-churn"');
    expect(html).not.toContain('SECRET');
    expect(readFileSync(trace, 'utf8')).not.toContain('wirescope/test/SECRET');
  });

  it('shows one progress line per scenario on stderr', () => {
    for (const id of ['healthy', 'churn', 'stale', 'expect-continue', 'cross-region', 'redirect']) {
      expect(run.stderr).toMatch(new RegExp(`✓ ${id}\\s`));
    }
  });
});
