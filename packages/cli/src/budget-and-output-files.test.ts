import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpJsonLines, putObjectsOnNewConnections, runCli, tempDir, writeInput } from './test-spans.js';

// Issue 15: every file the CLI reads or writes, when it is not what it should be, is named in the
// error, and the exit code is 2.

const run = runCli;

let dir: string;
let traces: string;

beforeAll(() => {
  dir = tempDir();
  traces = writeInput(dir, 'traces.jsonl', otlpJsonLines(putObjectsOnNewConnections(3)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('check --budget (issue 15)', () => {
  it('refuses a budget with invalid UTF-8 (exit 2, file and byte offset), not a name that never matches', async () => {
    // `max: 0` on a name mangled to U+FFFD would match no span and pass: the bytes must not be guessed.
    const bytes = Buffer.concat([
      Buffer.from('{"spans": {"tls.hand'),
      Buffer.from([0xff]),
      Buffer.from('shake": {"max": 0}}}'),
    ]);
    const budget = writeInput(dir, 'latin1-budget.json', bytes);
    const { code, stdout, stderr } = await run(['check', traces, '--budget', budget]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `wirescope: ${budget}, offset 20: invalid UTF-8 (byte 0xff): save the budget as UTF-8\n`,
    );
  });

  it('reads a budget with a BOM', async () => {
    const budget = writeInput(
      dir,
      'bom-budget.json',
      `\ufeff${JSON.stringify({ spans: { 'tls.handshake': { max: 9 } } })}`,
    );
    expect((await run(['check', traces, '--budget', budget])).code).toBe(0);
  });

  it('names a budget that is a directory, missing, or not a small file', async () => {
    const directory = join(dir, 'budget-dir');
    mkdirSync(directory);
    const cases: Array<[string, string]> = [
      [directory, `wirescope: ${directory}: is a directory, not a budget file\n`],
      [join(dir, 'nope.json'), `wirescope: ${join(dir, 'nope.json')}: no such file\n`],
      [
        '/dev/zero',
        'wirescope: /dev/zero: larger than 1 MiB: not a budget (a budget is a small JSON file)\n',
      ],
    ];
    // /dev/zero: the message says it stopped at the 1 MiB limit (no wall-clock bound: speed is for benches).
    for (const [budget, message] of cases) {
      const { code, stderr } = await run(['check', traces, '--budget', budget]);
      expect(code).toBe(2);
      expect(stderr).toBe(message);
    }
  });
});

describe('analyze --output (issue 15)', () => {
  it('names an --output it cannot write: a full disk, a missing directory, a directory', async () => {
    const cases: Array<[string, string]> = [
      ['/dev/full', 'wirescope: /dev/full: cannot write the report: no space left on the device\n'],
      [
        join(dir, 'missing', 'out.json'),
        `wirescope: ${join(dir, 'missing', 'out.json')}: cannot write the report: no such directory\n`,
      ],
      [dir, `wirescope: ${dir}: cannot write the report: is a directory\n`],
    ];
    for (const [output, message] of cases) {
      if (output === '/dev/full' && process.platform !== 'linux') continue;
      const { code, stdout, stderr } = await run(['analyze', traces, '--format', 'json', '--output', output]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(message);
    }
  });

  it('names an --output without write permission', async (context) => {
    if (process.getuid?.() === 0) context.skip(); // root writes anyway
    const locked = join(dir, 'locked.json');
    writeFileSync(locked, '', { mode: 0o400 });
    const { code, stderr } = await run(['analyze', traces, '--output', locked]);
    expect(code).toBe(2);
    expect(stderr).toBe(`wirescope: ${locked}: cannot write the report: permission denied\n`);
  });
});
