// Issues 6 and 16: the demo as a user runs it (a subprocess, `--quick`): exit 0, a short aligned table
// first, then each scenario's findings before and after its fix (each run analyzed on its own spans):
// the scenario's finding before, gone or cheaper after, pinned to what the scenario injected; the
// trace and the reports written.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analyze, type Finding, readSpans, type WireSpan } from '@wirescope/analyzer';
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

/** The summary table's row of a scenario: [id, finding it shows, cost before → after, p50 before → after]. */
function row(id: string): string[] {
  const line = run.stdout.split('\n').find((l) => l.startsWith(`${id} `));
  if (!line) throw new Error(`no table row for ${id} in:\n${run.stdout}`);
  return line.split(/\s{2,}/);
}

/** A scenario's block of the details: from its heading to the next blank line. */
function details(id: string): { before: string; after: string } {
  const lines = run.stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${id}: `));
  if (start < 0) throw new Error(`no details for ${id} in:\n${run.stdout}`);
  const end = lines.indexOf('', start);
  const block = lines.slice(start, end < 0 ? undefined : end);
  const afterAt = block.findIndex((l) => l.startsWith('  after '));
  return { before: block.slice(0, afterAt).join('\n'), after: block.slice(afterAt).join('\n') };
}

/** The spans of one run, read from the written trace. */
async function spansOf(instance: string): Promise<WireSpan[]> {
  const spans: WireSpan[] = [];
  for await (const span of readSpans({ path: join(outDir, 'trace.jsonl') })) {
    if (span.resource['service.instance.id'] === instance) spans.push(span);
  }
  return spans;
}

/** The findings of one run, analyzed from the written trace on that run's spans alone. */
async function findingsOf(instance: string): Promise<Finding[]> {
  return (await analyze(await spansOf(instance))).findings;
}

/** Each problem scenario and the finding it shows. */
const SHOWS: Record<string, string> = {
  churn: 'connection-churn',
  stale: 'stale-connection-reset',
  'expect-continue': 'expect-continue-no-reuse',
  'cross-region': 'cross-region',
  redirect: 'region-redirect',
  pool: 'socket-pool-saturation',
  'hot-prefix': 'hot-prefix',
  'slow-handshake': 'slow-handshake',
  'fetch-fin': 'unretried-socket-error',
  'unread-body': 'unconsumed-body',
  'continue-timer': 'expect-continue-timeout',
  hang: 'no-timeout',
};

/** A scenario's details as one line (the output wraps at 100 columns). */
const flat = (text: string) => text.replace(/\s+/g, ' ');

/**
 * The idle cut-off the finding brackets holds the one the stand-in injected (300 ms): the survivor at
 * least the short gap (100 ms) and under the cut-off; the dead one above the survivor and near or over
 * the cut-off. The client measures idle from the last byte it saw, the proxy from the last byte it
 * passed: the SDK's first call, slow to finish on a busy machine, leaves its socket idle longer than its
 * gap, so a dead socket's idle may read a little under 300 ms, never near the 100 ms gap.
 */
function expectCutoffBracket(survived: number, dead: number): void {
  expect(survived).toBeGreaterThanOrEqual(100);
  expect(survived).toBeLessThan(300);
  expect(dead).toBeGreaterThan(survived);
  expect(dead).toBeGreaterThanOrEqual(200);
}

const sumCost = (findings: Finding[], code: string) =>
  findings.filter((f) => f.code === code).reduce((total, f) => total + f.costMs, 0);

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

  it('opens with a short aligned table: per scenario the finding it shows, its cost and p50 before → after', () => {
    const lines = run.stdout.split('\n');
    const header = lines.findIndex((l) => l.startsWith('scenario '));
    expect(header, run.stdout).toBeGreaterThan(0);
    expect(header).toBeLessThan(6);
    const table = lines.slice(header, lines.indexOf('', header));
    expect(table.map((l) => l.split(/\s{2,}/)[0])).toEqual(['scenario', 'healthy', ...Object.keys(SHOWS)]);
    // Aligned: every row as wide as the header, each fits a terminal.
    for (const line of table) {
      expect(line.length, line).toBe(table[0]?.length);
      expect(line.length).toBeLessThanOrEqual(100);
    }
    expect(row('healthy').slice(1, 3)).toEqual(['none (baseline)', 'no findings']);
    for (const [id, code] of Object.entries(SHOWS)) {
      const [, shows, cost, latency] = row(id);
      expect(shows, id).toBe(code);
      expect(cost, id).toMatch(/^\d+(\.\d)? m?s → (gone|\d+(\.\d)? m?s)$/);
      // A run whose calls failed by design (fetch-fin before) says how many, beside its p50.
      expect(latency, id).toMatch(/^\d+(\.\d)? m?s( \(\d+ failed\))? → \d+(\.\d)? m?s$/);
    }
  });

  it("groups the findings by scenario, before and after, each run's own: the scenario's finding before, gone or cheaper after", async () => {
    for (const [id, code] of Object.entries(SHOWS)) {
      const { before, after } = details(id);
      expect(before, id).toContain(` ${code}  `);
      expect(before, id).toContain('fix: ');
      const beforeCost = sumCost(await findingsOf(`${id}/before`), code);
      const afterCost = sumCost(await findingsOf(`${id}/after`), code);
      expect(beforeCost, id).toBeGreaterThan(0);
      if (afterCost === 0) expect(after, id).not.toContain(` ${code}  `);
      else expect(afterCost, id).toBeLessThan(beforeCost / 2);
    }
    expect(details('healthy').before).toContain('no findings');
    expect(await findingsOf('healthy/before')).toEqual([]);
  });

  it('names the local stand-ins instead of printing bare proxy ports', () => {
    expect(run.stdout).not.toMatch(/localhost:\d+/);
    expect(details('churn').before).toContain('requests to the us-east-1 stand-in');
  });

  it('stale: the fix brackets the cut-off the server injected (300 ms) between the idles that survived (≥ 100 ms gaps) and died, for the Node agent in use', () => {
    const text = flat(details('stale').before);
    const bracket =
      /the peer drops sockets idle between (\d+) ms \(the longest idle a reused socket survived\) and (\d+) ms/.exec(
        text,
      );
    expect(bracket, text).not.toBeNull();
    expectCutoffBracket(Number(bracket?.[1]), Number(bracket?.[2]));
    expect(text).toContain(
      "set the Node agent's idle timeout (new https.Agent({ keepAlive: true, timeout })) under",
    );
    expect(text).not.toContain('undici');
  });

  it('pool: 3 bursts of 6 on maxSockets 2 wait for sockets; the fix names the measured peak (6) for the Node agent', () => {
    const { before, after } = details('pool');
    const text = flat(before);
    expect(text).toContain('waited for a free socket (maxSockets 2)');
    expect(text).toContain('6 requests in flight at peak');
    expect(text).toContain(
      "fix: Raise the agent's maxSockets from 2 to 6, the requests in flight at peak (new NodeHttpHandler({ httpsAgent: { maxSockets: 6 } }))",
    );
    expect(flat(after)).toContain('maxSockets: 6 })');
    expect(after).not.toContain('socket-pool-saturation');
  });

  it('hot-prefix: a burst on one prefix draws 503 SlowDown from the stand-in; hashed prefixes draw none', async () => {
    const text = flat(details('hot-prefix').before);
    expect(text).toMatch(
      /hot-prefix [\d.]+ m?s: \d+ requests? to prefix wirescope-demo\/2024 drew 503 SlowDown/,
    );
    const [finding] = (await findingsOf('hot-prefix/before')).filter((f) => f.code === 'hot-prefix');
    expect(finding?.evidence.counts.slowDowns).toBeGreaterThan(0);
    expect((await findingsOf('hot-prefix/after')).map((f) => f.code)).not.toContain('hot-prefix');
  });

  it('slow-handshake: the lossy path holds each ServerHello 600 ms: every handshake before, only the first after', async () => {
    const text = flat(details('slow-handshake').before);
    expect(text).toMatch(
      /slow-handshake [\d.]+ m?s: \d connection phases \((tcp\.connect and )?tls\.handshake\)/,
    );
    const slow = async (instance: string) =>
      (await findingsOf(instance)).find((f) => f.code === 'slow-handshake')?.evidence;
    const before = await slow('slow-handshake/before');
    const after = await slow('slow-handshake/after');
    // 3 calls without keep-alive: 3 connections, each tls.handshake held (a loaded machine may add connects).
    expect(before?.counts.newConnections).toBe(3);
    expect(before?.counts.slowPhases).toBeGreaterThanOrEqual(3);
    expect(before?.measurements.slowPhaseMedianMs).toBeGreaterThanOrEqual(600);
    // One connection after the fix: its tls.handshake (and on a loaded machine its tcp.connect) at most.
    expect(after?.counts.newConnections).toBe(1);
    expect(after?.counts.slowPhases).toBeLessThanOrEqual(2);
  });

  it('fetch-fin: FIN on idle sockets fails calls with UND_ERR_SOCKET on fetch, unretried; the undici idle timeout under the measured survivor fixes it', () => {
    const { before, after } = details('fetch-fin');
    const text = flat(before);
    // 6 calls, gaps 100/450/100/450/100 ms: the two after 450 ms meet a closed socket.
    expect(Number(/\(6 calls, (\d) failed,/.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(
      /\d calls \(S3\.PutObject\) failed on a socket error \(UND_ERR_SOCKET\) without a retry/,
    );
    const bracket =
      /the peer drops sockets idle between (\d+) ms .*? and (\d+) ms .*?; set undici's keepAliveTimeout and keepAliveMaxTimeout under/.exec(
        text,
      );
    expect(bracket, text).not.toBeNull();
    expectCutoffBracket(Number(bracket?.[1]), Number(bracket?.[2]));
    expect(text).not.toContain('https.Agent');
    expect(after).toMatch(/\(6 calls, p50/);
    expect(row('fetch-fin')[3]).toMatch(/^\d+(\.\d)? ms \([2-6] failed\) → \d+(\.\d)? ms$/);
    expect(after).not.toContain('unretried-socket-error');
  });

  it('unread-body: 2 bodies left unread 500 ms hold both sockets (maxSockets 2), the 2 next calls queue behind them; read at once: none', async () => {
    const { before, after } = details('unread-body');
    const text = flat(before);
    expect(text).toMatch(
      /unconsumed-body [\d.]+ m?s: 2 response bodies \(S3\.GetObject\) from the us-east-1 stand-in neither read to the end nor destroyed held their sockets [\d.]+ m?s \(median; maxSockets 2\); 2 calls queued behind them/,
    );
    expect(text).toContain('fix: Consume every response Body');
    const [finding] = (await findingsOf('unread-body/before')).filter((f) => f.code === 'unconsumed-body');
    expect(finding?.evidence.counts).toMatchObject({ unreadBodies: 2, queuedCalls: 2, maxSockets: 2 });
    // Held from the headers until the app read the body, 500 ms later.
    expect(finding?.evidence.measurements.heldMsMedian).toBeGreaterThanOrEqual(450);
    expect(flat(after)).toMatch(/\(4 calls, p50/);
    expect(after).not.toContain('unconsumed-body');
  });

  it("continue-timer: a 3 MiB upload waits the SDK's 6 s timer for a 100 Continue the server never sends; the header off: none", async () => {
    const { before, after } = details('continue-timer');
    const text = flat(before);
    expect(text).toMatch(
      /expect-continue-timeout [\d.]+ s: 1 upload \(S3\.PutObject\) to the us-east-1 stand-in \(never answers 100-continue\) waited [\d.]+ s \(median\) for a 100 Continue that never came/,
    );
    expect(text).toContain('expectContinueHeader: false');
    const [finding] = (await findingsOf('continue-timer/before')).filter(
      (f) => f.code === 'expect-continue-timeout',
    );
    const wait = finding?.evidence.measurements.continueWaitMedianMs ?? 0;
    expect(wait).toBeGreaterThanOrEqual(5950);
    expect(wait).toBeLessThan(8000);
    expect(flat(after)).toContain('S3Client({ expectContinueHeader: false })');
    expect(after).not.toContain('expect-continue-timeout');
  });

  it("hang: a server that never answers, no timeout, the app's abort at 3 s: no-timeout; requestTimeout 1000 with throwOnRequestTimeout: the SDK's own ETIMEDOUT, not flagged", async () => {
    const { before, after } = details('hang');
    const text = flat(before);
    expect(text).toMatch(
      /no-timeout [\d.]+ s: 1 request \(S3\.PutObject\) to the us-east-1 stand-in \(never answers\) waited [\d.]+ s \(median; longest [\d.]+ s\) for a response with no timeout in effect/,
    );
    expect(text).toContain('fix: Limit the whole call: new NodeHttpHandler({ requestTimeout: N,');
    // Each call ends in the error the variant expects (AbortError, then TimeoutError), else the demo fails.
    expect(flat(before)).toContain('each call ends in AbortError (1 call, p50');
    expect(flat(after)).toContain("each call ends in the SDK's TimeoutError (1 call, p50");
    const [b, a] =
      row('hang')[3]
        ?.split(' → ')
        .map((t) => Number.parseFloat(t)) ?? [];
    expect(b).toBeGreaterThanOrEqual(3);
    expect(a).toBeGreaterThanOrEqual(1);
    expect(a).toBeLessThan(2);
    const attempt = async (instance: string) =>
      (await spansOf(instance)).find((s) => s.name === 'S3.PutObject attempt')?.attributes;
    const beforeAttempt = await attempt('hang/before');
    expect(beforeAttempt?.['error.type']).toBe('AbortError');
    expect(beforeAttempt?.['wirescope.timeout.request_ms']).toBe(0);
    const afterAttempt = await attempt('hang/after');
    expect(afterAttempt?.['error.type']).toBe('ETIMEDOUT');
    expect(afterAttempt?.['wirescope.timeout.request_ms']).toBe(1000);
    expect(after).not.toContain('no-timeout');
  });

  it('writes the OTLP JSON Lines trace, the HTML and text reports, and prints their paths', async () => {
    const trace = join(outDir, 'trace.jsonl');
    const report = join(outDir, 'report.html');
    expect(existsSync(trace)).toBe(true);
    expect(existsSync(report)).toBe(true);
    expect(run.stdout).toContain(trace);
    expect(run.stdout).toContain(report);
    // The trace file is readable by the analyzer and holds the same problems.
    const result = await analyze(readSpans({ path: trace }));
    const codes = new Set(result.findings.map((f) => f.code));
    for (const code of Object.values(SHOWS)) expect(codes.has(code as never), code).toBe(true);
    // The analyzer's own text report of all the runs, with the evidence the demo's output leaves out.
    expect(readFileSync(join(outDir, 'report.txt'), 'utf8')).toContain('] connection-churn (');
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('data-finding-code="connection-churn"');
    expect(html).not.toContain('SECRET');
    expect(readFileSync(trace, 'utf8')).not.toContain('wirescope/test/SECRET');
  });

  it('shows one progress line per scenario on stderr', () => {
    for (const id of ['healthy', ...Object.keys(SHOWS)]) {
      expect(run.stderr).toMatch(new RegExp(`✓ ${id}\\s`));
    }
  });
});
