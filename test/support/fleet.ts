// The fleet test's moving parts (issue 14): workload processes (test/metrics/fleet-workload.ts), the
// Prometheus HTTP API's instant query, and the CLI run from source as a user runs it.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { WorkloadConfig } from '../metrics/fleet-workload.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKLOAD = fileURLToPath(new URL('../metrics/fleet-workload.ts', import.meta.url));
/** How the root tests run TypeScript in a child: the workspace packages' source, through tsx. */
const NODE_SOURCE_ARGS = ['--conditions=@wirescope/source', '--import', 'tsx'];

/** A running workload process. */
export interface Workload {
  config: WorkloadConfig;
  /** Its exporter's `host:port` (127.0.0.1). */
  target: string;
  /** Starts its calls; resolves with what it counted when the last one ended. */
  go(): Promise<{ calls: number; errors: number }>;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Ends it (stdin closed: it shuts its MeterProvider down and exits 0). */
  stop(): Promise<void>;
}

/** Spawns a workload and resolves once its exporter listens. */
export async function startWorkload(config: WorkloadConfig): Promise<Workload> {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  delete env['AWS_REGION'];
  delete env['AWS_DEFAULT_REGION'];
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [...NODE_SOURCE_ARGS, WORKLOAD, JSON.stringify(config)],
    { cwd: ROOT, env },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const events: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return;
    }
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = once(child, 'exit');
  const next = async (event: string, timeoutMs: number): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events.find((e) => e['event'] === event);
      if (found) return found;
      if (child.exitCode !== null) {
        throw new Error(`${config.service} exited ${child.exitCode} before "${event}":\n${stderr}`);
      }
      if (Date.now() > deadline)
        throw new Error(`${config.service}: no "${event}" in ${timeoutMs} ms:\n${stderr}`);
      await Promise.race([
        new Promise<void>((wake) => waiters.push(wake)),
        exited,
        new Promise((wake) => setTimeout(wake, 250)),
      ]);
    }
  };
  const listening = await next('listening', 20_000);
  return {
    config,
    target: `127.0.0.1:${listening['port'] as number}`,
    async go() {
      child.stdin.write('go\n');
      const done = await next('done', 60_000);
      return { calls: done['calls'] as number, errors: done['errors'] as number };
    },
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One instant-vector sample of a query's result. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/** An instant query through the Prometheus HTTP API (`/api/v1/query`). */
export async function promQuery(url: string, query: string): Promise<PromSample[]> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`query ${query}: ${body.error ?? response.status}`);
  return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** Polls `check` every 250 ms until it returns true; throws with `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 250));
  }
}

/** What a CLI run printed and its exit code. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `wirescope <args>` from source (the root's `npm run wirescope`, without npm). */
export async function runCli(args: string[]): Promise<CliRun> {
  const child = spawn(process.execPath, [...NODE_SOURCE_ARGS, 'packages/cli/src/bin.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** The ```promql blocks of a README (examples/prometheus: its panels), in order. */
export function readmePromql(markdown: string): string[] {
  return [...markdown.matchAll(/```promql\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').trim());
}

/** The metric names a PromQL text uses: identifiers right before a `{` or `[` (not functions, not labels). */
export function promqlMetricNames(promql: string): string[] {
  const names = new Set<string>();
  for (const [, name] of promql.matchAll(/\b([a-z_:][a-z0-9_:]*)\s*[{[]/g)) names.add(name as string);
  return [...names].sort();
}
