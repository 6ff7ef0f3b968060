import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import { otlpJsonLines, putObjectsOnNewConnections, tempDir, writeInput } from './test-spans.js';

/** Runs the CLI with a `beforeRules` hook that notes what had been written by the time it ran. */
async function run(argv: string[]) {
  let stdout = '';
  const calls: string[] = [];
  const code = await main(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: () => true },
    stdin: Readable.from([]),
    isTTY: {},
    env: {},
    beforeRules: () => calls.push(`stdout had ${stdout.length} chars`),
  });
  return { code, stdout, calls };
}

describe('CliIo.beforeRules (the executable favours memory for the rules)', () => {
  it('is called once per analysis, after every input is read and before any report is written', async () => {
    const dir = tempDir();
    const a = writeInput(dir, 'a.jsonl', otlpJsonLines(putObjectsOnNewConnections(3, 1)));
    const b = writeInput(dir, 'b.jsonl', otlpJsonLines(putObjectsOnNewConnections(3, 10)));
    const analyzed = await run(['analyze', a, b, '--format', 'json']);
    expect(analyzed.code).toBe(0);
    expect(analyzed.calls).toEqual(['stdout had 0 chars']);
    expect(JSON.parse(analyzed.stdout).stats.operations).toBe(6);
    const budget = writeInput(dir, 'budget.json', JSON.stringify({ spans: { 'S3.PutObject': { max: 10 } } }));
    const checked = await run(['check', a, '--budget', budget]);
    expect(checked.code).toBe(0);
    expect(checked.calls).toEqual(['stdout had 0 chars']);
  });

  it('is not called when there is nothing to analyze', async () => {
    const empty = writeInput(tempDir(), 'empty.jsonl', '');
    const result = await run(['analyze', empty]);
    expect(result.code).not.toBe(0);
    expect(result.calls).toEqual([]);
  });
});
