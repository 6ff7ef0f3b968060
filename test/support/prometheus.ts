// A real Prometheus server for tests (Debian's `prometheus` package; .ci/run installs it): started on
// loopback with a generated config in a temp dir, scraping the targets a test names, killed by stop().
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the Prometheus binary is (Debian's package). */
export const PROMETHEUS_BIN = '/usr/bin/prometheus';

/** Why Prometheus tests cannot run here, or undefined when they can (for `describe.skipIf`). */
export function prometheusMissing(): string | undefined {
  return existsSync(PROMETHEUS_BIN)
    ? undefined
    : `${PROMETHEUS_BIN} not found: install Debian's prometheus package (.ci/run does)`;
}

/** One scrape job: Prometheus's `job` label is the service (the OTel → Prometheus convention). */
export interface ScrapeTarget {
  /** The job name, e.g. the service's `service.name`. */
  job: string;
  /** `host:port` of the /metrics endpoint. */
  target: string;
  /** Path of the metrics, default `/metrics`. */
  metricsPath?: string;
}

/** What to start Prometheus with. */
export interface StartPrometheusOptions {
  /** Targets to scrape. */
  scrapeTargets: ScrapeTarget[];
  /** Scrape interval, s (default 1). */
  scrapeIntervalS?: number;
  /** More command-line flags (e.g. `--query.max-samples=1` to make queries fail). */
  extraArgs?: string[];
}

/** A running Prometheus. */
export interface RunningPrometheus {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Kills the server and removes its temp dir. */
  stop(): Promise<void>;
}

/** A free TCP port on loopback (closed again before it is returned). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function configYaml(options: StartPrometheusOptions): string {
  const interval = options.scrapeIntervalS ?? 1;
  const jobs = options.scrapeTargets.map(
    (t) =>
      `  - job_name: ${JSON.stringify(t.job)}\n    metrics_path: ${JSON.stringify(t.metricsPath ?? '/metrics')}\n    static_configs:\n      - targets: [${JSON.stringify(t.target)}]`,
  );
  return `global:\n  scrape_interval: ${interval}s\n  scrape_timeout: ${interval}s\nscrape_configs:\n${jobs.join('\n')}\n`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts Prometheus on a free loopback port with a config scraping `scrapeTargets`, storage in a temp
 * dir, and resolves once `/-/ready` answers 200 (rejects after 20 s, with the server's last output).
 */
export async function startPrometheus(options: StartPrometheusOptions): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'wirescope-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, configYaml(options));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
      ...(options.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-2000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !exited) {
    try {
      const response = await fetch(`${url}/-/ready`);
      if (response.status === 200) return { url, stop };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`prometheus did not become ready on ${url}: ${output.trim() || '(no output)'}`);
}

/**
 * Resolves once every scrape target has been scraped at least `n` times (counted by its `up` series);
 * rejects after `timeoutMs` (default 30 s).
 */
export async function waitForScrapes(url: string, n: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const targets = (await (await fetch(`${url}/api/v1/targets`)).json()) as {
        data: { activeTargets: unknown[] };
      };
      const expected = targets.data.activeTargets.length;
      const query = encodeURIComponent('count_over_time(up[1h])');
      const body = (await (await fetch(`${url}/api/v1/query?query=${query}`)).json()) as {
        data: { result: Array<{ value: [number, string] }> };
      };
      const counts = body.data.result.map((r) => Number(r.value[1]));
      last = `${counts.length} of ${expected} targets scraped, counts ${counts.join(', ') || 'none'}`;
      if (expected > 0 && counts.length === expected && counts.every((count) => count >= n)) return;
    } catch (error) {
      last = String(error);
    }
    await sleep(200);
  }
  throw new Error(`prometheus at ${url}: not ${n} scrapes of every target within ${timeoutMs} ms (${last})`);
}
