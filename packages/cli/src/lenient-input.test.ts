// Issue 12: `analyze` and `check` read leniently (other signals and bad records skipped and reported);
// `--strict` makes any of them exit 2 with the file, line and column.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpJsonLines, putObjectsOnNewConnections, runCli, tempDir, writeInput } from './test-spans.js';

const run = runCli;

let dir: string;
let mixed: string;
let budget: string;
let metricsOnly: string;

beforeAll(() => {
  dir = tempDir();
  const [first, second, third] = otlpJsonLines(putObjectsOnNewConnections(3)).trimEnd().split('\n');
  // A metrics line, a bad line in the middle and a truncated last line around three good traces.
  const text = [
    first,
    '{"resourceMetrics":[]}',
    second,
    '{"resourceSpans": [}',
    third,
    '{"resourceLogs":[]}',
    '{"resourceSpans":[{"scope',
  ].join('\n');
  mixed = writeInput(dir, 'mixed.jsonl', text);
  metricsOnly = writeInput(dir, 'metrics.jsonl', '{"resourceMetrics":[]}\n{"resourceLogs":[]}\n');
  budget = writeInput(dir, 'budget.json', '{"spans": {"S3.PutObject": {"min": 3}}}');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lenient by default', () => {
  it('analyze reads the good records and reports the skipped ones with their positions', async () => {
    const { code, stdout, stderr } = await run(['analyze', mixed, '--format', 'json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.stats.operations).toBe(3);
    expect(report.stats.skipped).toEqual({ badRecords: 2, notTraces: 2 });
    expect(report.warnings).toEqual([
      `${mixed}, line 4, column 20: unexpected character '}' (record skipped)`,
      `${mixed}, line 7, column 26: unexpected end of input (record skipped)`,
      `${mixed}: 2 records of metrics, logs or profiles, not traces (skipped)`,
    ]);
    const text = await run(['analyze', mixed]);
    expect(text.stdout.replace(/\s+/g, ' ')).toContain(
      'skipped 2 unreadable records and 2 records of other signals (see warnings)',
    );
  });

  it('check counts the good records against the budget', async () => {
    const { code, stderr } = await run(['check', mixed, '--budget', budget]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('input with only other signals holds no spans: exit 2, saying what was skipped', async () => {
    const { code, stderr } = await run(['analyze', metricsOnly]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `wirescope: ${metricsOnly}: no spans: the input is empty or holds no trace records (2 records skipped)\n`,
    );
  });
});

describe('--strict', () => {
  it('analyze exits 2 on the first record a lenient reading would skip, naming line and column', async () => {
    const { code, stdout, stderr } = await run(['analyze', mixed, '--strict']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `wirescope: ${mixed}, line 2, column 1: a metrics record (resourceMetrics), not traces\n`,
    );
  });

  it('check likewise', async () => {
    const { code, stderr } = await run(['check', mixed, '--budget', budget, '--strict']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `wirescope: ${mixed}, line 2, column 1: a metrics record (resourceMetrics), not traces\n`,
    );
  });

  it('is in the help of both commands', async () => {
    expect((await run(['analyze', '--help'])).stdout).toMatch(/--strict {15}Exit 2 on any record/);
    expect((await run(['check', '--help'])).stdout).toMatch(/--strict {15}Exit 2 on any record/);
  });
});
