// The examples' READMEs, run as a reader runs them: every command of their ```sh blocks, from the
// example's folder, one after the other, each exiting 0. Examples left out and why:
// - demo: `npm run demo` is driven by test/demo-run.test.ts (a subprocess, --quick);
// - lambda: its one command (`npx vitest run examples/lambda`) is part of the root suite;
// - jaeger, honeycomb: need docker, or a Honeycomb API key.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The commands of a README's ```sh blocks, comments stripped. */
function readmeCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of (block[1] ?? '').split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (command && !command.startsWith('#')) commands.push(command);
    }
  }
  return commands;
}

/** The environment of a shell a reader opens: none of the running vitest's own variables. */
function readerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('VITEST') && key !== 'NODE_OPTIONS' && key !== 'TEST') env[key] = value;
  }
  return env;
}

describe('examples/ci README', () => {
  const dir = join(ROOT, 'examples/ci');
  const traces = join(dir, 'traces.jsonl');
  const commands = readmeCommands(readFileSync(join(dir, 'README.md'), 'utf8'));
  // The README's first command starts by deleting it anyway.
  afterAll(() => rmSync(traces, { force: true }));

  it('shows the two commands of the workflow', () => {
    expect(commands).toEqual(['npm run test:traces', 'npm run budget']);
  });

  it('runs them from the example folder: tests write traces.jsonl, the budget holds', () => {
    const outputs: string[] = [];
    for (const command of commands) {
      const run = spawnSync('sh', ['-c', command], { cwd: dir, env: readerEnv(), encoding: 'utf8' });
      const output = `${run.stdout}${run.stderr}`;
      expect(run.status, `${command} exited ${run.status}:\n${output}`).toBe(0);
      outputs.push(output);
    }
    expect(readFileSync(traces, 'utf8').trim().split('\n').length).toBeGreaterThan(0);
    expect(outputs.at(-1)).toContain('within budget');
    expect(outputs.join('\n')).not.toContain('not found');
  }, 120_000);
});
