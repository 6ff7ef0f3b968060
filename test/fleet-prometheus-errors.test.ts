// `analyze --prometheus` when Prometheus cannot be asked: each failure one line naming the URL (never
// its credentials) and what was wrong, exit 2, no stack trace.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { analyzePrometheus } from '@wirescope/analyzer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from './support/cli-main.js';
import { counter, type StepServer, serveMetricSteps } from './support/metric-steps-server.js';
import { freePort, prometheusMissing, startPrometheus } from './support/prometheus.js';

const run = runMain;

describe('analyze --prometheus: a server that cannot be asked', () => {
  let server: Server;
  let base: string;
  const seen: IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request.headers);
      if (request.url?.startsWith('/grafana/api/v1/query')) {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<html><body>Grafana login</body></html>');
      } else if (request.url?.startsWith('/json/api/v1/query')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"hello":"world"}');
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('404 page not found\n');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('unreachable: connection refused', async () => {
    const port = await freePort();
    const { code, stdout, stderr } = await run(['analyze', '--prometheus', `http://127.0.0.1:${port}`]);
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toBe(
      `wirescope: http://127.0.0.1:${port}: cannot reach Prometheus: connection refused (ECONNREFUSED)\n`,
    );
  });

  it('a web page instead of the API, a 404, and JSON that is not the API', async () => {
    const html = await run(['analyze', '--prometheus', `${base}/grafana`]);
    expect([html.code, html.stderr]).toEqual([
      2,
      `wirescope: ${base}/grafana: not a Prometheus HTTP API: GET /api/v1/query answered HTTP 200 OK with text/html (<html><body>Grafana login</body></html>)\n`,
    ]);
    const missing = await run(['analyze', '--prometheus', base]);
    expect(missing.stderr).toBe(
      `wirescope: ${base}: not a Prometheus HTTP API: GET /api/v1/query answered HTTP 404 Not Found with text/plain (404 page not found)\n`,
    );
    const json = await run(['check', '--prometheus', `${base}/json`, '--budget', '/dev/null']);
    expect(json.code).toBe(2);
  });

  it('a server that never answers: the query times out', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      await expect(analyzePrometheus({ url, timeoutMs: 300 })).rejects.toThrow(
        `${url}: cannot reach Prometheus: no answer within 0.3 s`,
      );
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('sends userinfo as Basic auth and never prints it', async () => {
    seen.length = 0;
    const url = `http://alice:s3cr%40t@127.0.0.1:${new URL(base).port}/grafana`;
    const { code, stderr } = await run(['analyze', '--prometheus', url]);
    expect(code).toBe(2);
    expect(seen[0]?.['authorization']).toBe(`Basic ${Buffer.from('alice:s3cr@t').toString('base64')}`);
    expect(stderr).toContain(
      `wirescope: http://***@127.0.0.1:${new URL(base).port}/grafana: not a Prometheus HTTP API`,
    );
    expect(stderr).not.toMatch(/alice|s3cr/);
  });

  it('usage errors: a bad --since, files with --prometheus, --service alone, a URL that is not http', async () => {
    expect((await run(['analyze', '--prometheus', base, '--since', 'an hour'])).stderr).toBe(
      "wirescope: --since 'an hour' is not a duration such as 1h, 30m or 90s\nRun 'wirescope analyze --help' for usage.\n",
    );
    expect((await run(['analyze', 'traces.json', '--prometheus', base])).stderr).toMatch(
      /^wirescope: give either files or --prometheus <url>, not both\n/,
    );
    expect((await run(['analyze', '--service', 'api'])).stderr).toMatch(
      /^wirescope: --service needs --prometheus <url>\n/,
    );
    expect((await run(['analyze', '--prometheus', base, '--until', 'yesterday'])).code).toBe(2);
    const ftp = await run(['analyze', '--prometheus', 'ftp://u:p@host/']);
    expect([ftp.code, ftp.stderr]).toEqual([2, 'wirescope: ftp://***@host: not an http(s) URL (ftp)\n']);
  });
});

const skip = prometheusMissing();

describe.skipIf(skip !== undefined)(`a query Prometheus refuses${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let target: StepServer;
  let stop: () => Promise<void>;
  let url: string;
  beforeAll(async () => {
    const t0 = Math.floor(Date.now() / 10_000) * 10_000 - 60_000;
    target = await serveMetricSteps(
      [counter('wirescope_calls_total', { rpc_service: 'S3' }, 4, 3)],
      [t0, t0 + 10_000, t0 + 20_000],
    );
    // A real error from a real server: no query may load more than one sample.
    const prometheus = await startPrometheus({
      scrapeTargets: [{ job: 'api', target: target.target }],
      extraArgs: ['--query.max-samples=1'],
    });
    ({ url, stop } = prometheus);
    // waitForScrapes' own query would be refused too: count the scrapes at the target instead.
    while (target.scrapes() < 3) await new Promise((resolve) => setTimeout(resolve, 100));
  }, 60_000);
  afterAll(async () => {
    await stop?.();
    await target?.close();
  });

  it('says Prometheus refused the query, with its error and the query', async () => {
    const { code, stderr } = await run(['analyze', '--prometheus', url]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^wirescope: http:\/\/127\.0\.0\.1:\d+: Prometheus refused the query \(HTTP 422, execution\): query processing would load too many samples into memory in query execution; query: count by \(job\) \(last_over_time\(wirescope_calls_total\[1h\]\)\)\n$/,
    );
  });
});
