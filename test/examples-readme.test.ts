// The examples' READMEs, run as a reader runs them: every command of their ```sh blocks, from the
// example's folder, one after the other, each exiting 0. Examples left out and why:
// - demo: `npm run demo` is driven by test/demo-run.test.ts (a subprocess, --quick);
// - lambda: its one command (`npx vitest run examples/lambda`) is part of the root suite;
// - jaeger, honeycomb: need docker, or a Honeycomb API key;
// - prometheus: its ```sh block runs here; its ```bash blocks need a Prometheus server running, which
//   test/metrics/fleet-prometheus.test.ts starts (and evaluates this README's ```promql there).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as semconv from '@wirescope/semconv';
import { afterAll, describe, expect, it } from 'vitest';
import { promqlMetricNames, readmePromql } from './support/fleet.js';

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

/** A metric family as the Prometheus exporter names an OpenTelemetry metric (dots to `_`, counters `_total`). */
function familyOf(series: string): string {
  return series.replace(/_(bucket|count|sum)$/, '');
}

describe('examples/prometheus README', () => {
  const dir = join(ROOT, 'examples/prometheus');
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  const commands = readmeCommands(readme);
  const promql = readmePromql(readme);

  it('shows one command, and four panels in PromQL', () => {
    expect(commands).toEqual(['npm start -- --local --port 0 --calls 20 --every-ms 50 --print-metric-names']);
    expect(promql).toHaveLength(4);
  });

  it("its panels use the contract's metrics under their exported names", () => {
    const exported = new Set(
      Object.entries(semconv)
        .filter(([key]) => key.startsWith('METRIC_'))
        .map(([, name]) => String(name).replace(/[^a-zA-Z0-9_:]/g, '_')),
    );
    const used = promqlMetricNames(promql.join('\n'));
    expect(used).toEqual([
      'wirescope_attempts_total',
      'wirescope_connection_phase_duration_bucket',
      'wirescope_connection_phase_duration_count',
      'wirescope_socket_resets_total',
    ]);
    for (const name of used) expect(exported, name).toContain(familyOf(name).replace(/_total$/, ''));
  });

  it('runs from the example folder: 20 local calls, and the exporter serves the families the panels use', () => {
    const run = spawnSync('sh', ['-c', commands[0] as string], {
      cwd: dir,
      env: readerEnv(),
      encoding: 'utf8',
    });
    expect(run.status, `exited ${run.status}:\n${run.stdout}${run.stderr}`).toBe(0);
    const families = new Map(
      run.stdout
        .split('\n')
        .map((line) => line.split(' '))
        .filter((parts) => parts.length === 2)
        .map(([name, type]) => [name as string, type as string]),
    );
    expect(families.get('target_info')).toBe('gauge');
    expect(families.get('wirescope_calls_total')).toBe('counter');
    expect(families.get('wirescope_attempts_total')).toBe('counter');
    expect(families.get('wirescope_connection_phase_duration')).toBe('histogram');
    // No connection was reset in this run: the counter is there all the same, at 0 (the plugin starts a
    // zero series with each new series of attempts), so the resets panel reads 0, not "no data".
    expect(families.get('wirescope_socket_resets_total')).toBe('counter');
    expect(families.get('wirescope_region_redirects_total')).toBe('counter');
    expect(run.stderr).not.toMatch(/call \d+: /);
  }, 60_000);
});
