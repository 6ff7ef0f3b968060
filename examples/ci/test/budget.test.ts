// The budget step of the workflow, in-process: spans serialized the way the collector's file exporter
// writes them, then `wirescope check … --budget wirescope-budget.json` from @wirescope/cli.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '@wirescope/cli';
import { useSpanCapture } from '@wirescope/vitest';
import { describe, expect, it, onTestFinished } from 'vitest';
import { appendOtlpJsonLine } from './support/record-traces.js';
import { recordPutObject } from './support/s3-spans.js';

const BUDGET = fileURLToPath(new URL('../wirescope-budget.json', import.meta.url));
const captured = useSpanCapture();

async function check(): Promise<{ code: number; stdout: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'wirescope-example-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'traces.jsonl');
  appendOtlpJsonLine(file, captured.readableSpans);
  let stdout = '';
  const code = await main(['check', file, '--budget', BUDGET], {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: () => true },
    stdin: Readable.from([]),
    env: {},
  });
  return { code, stdout };
}

describe('wirescope-budget.json', () => {
  it('passes uploads that reuse their connection', async () => {
    recordPutObject([{ reused: false, status: 200 }]);
    for (let i = 0; i < 9; i++) recordPutObject([{ reused: true, idleMs: 5, status: 200 }]);
    const { code, stdout } = await check();
    expect(stdout).toMatch(/tls\.handshake\s+1\s+max 4\s+pass/);
    expect(stdout).toContain('within budget');
    expect(code).toBe(0);
  });

  it('fails uploads that open a connection each', async () => {
    for (let i = 0; i < 6; i++) recordPutObject([{ reused: false, status: 200 }]);
    const { code, stdout } = await check();
    expect(stdout).toMatch(/tls\.handshake\s+6\s+max 4\s+FAIL/);
    expect(stdout).toMatch(/finding connection-churn\s+.+\s+FAIL/);
    expect(code).toBe(1);
  });
});
