// Issue 16: the HTML report's pictures in a real browser (chromium as html-report-browser.test.ts
// launches it). The input is spans whose durations this test sets: per host, attempts on new and on
// reused connections, a host that never reuses one, a host whose spans cannot say (instrumentation-http
// without instrumentation-net), and findings with different costs. Checked: the chart elements per host
// and series, bins matching the analysis, cost bars in proportion to the findings' costs (within 2 px),
// nothing overflowing its container at two widths, labels not clipped or overlapping, a PNG screenshot
// (in a temporary directory removed afterwards; WIRESCOPE_SCREENSHOT_DIR=<dir> keeps a copy of both
// the PNG and the page for a person).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AnalysisResult, analyze, formatHtml, type WireSpan } from '@wirescope/analyzer';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const SKIP = process.env.WIRESCOPE_SKIP_BROWSER === '1';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const S3 = 'orders.s3.us-east-1.amazonaws.com';
const DDB = 'dynamodb.us-east-1.amazonaws.com';
const SQS = 'sqs.us-east-1.amazonaws.com';
const RESOURCE = { 'service.name': 'checkout-service', 'process.pid': 4242 };
const BASE_NS = 1_700_000_000_000_000_000n;

let ids = 0;
const id = (length: number) => (++ids).toString(16).padStart(length, '0');

function wire(parts: {
  name: string;
  traceId: string;
  spanId?: string;
  parentSpanId?: string | undefined;
  startMs: number;
  durationMs: number;
  kind?: WireSpan['kind'];
  attributes?: WireSpan['attributes'];
  error?: boolean;
  scope?: string;
}): WireSpan {
  const ns = (ms: number) => BASE_NS + BigInt(Math.round(ms * 1e6));
  const out: WireSpan = {
    traceId: parts.traceId,
    spanId: parts.spanId ?? id(16),
    name: parts.name,
    kind: parts.kind ?? 'internal',
    startTimeUnixNano: ns(parts.startMs),
    endTimeUnixNano: ns(parts.startMs + parts.durationMs),
    attributes: parts.attributes ?? {},
    events: [],
    status: { code: parts.error ? 'error' : 'unset' },
    resource: RESOURCE,
  };
  if (parts.parentSpanId !== undefined) out.parentSpanId = parts.parentSpanId;
  if (parts.scope !== undefined) out.scope = parts.scope;
  return out;
}

interface Attempt {
  /** Attempt duration, ms. */
  ms: number;
  /** A new connection: dns, tcp and tls phase spans of these lengths, from the attempt's start. */
  fresh?: { dns: number; tcp: number; tls: number };
  connection: string;
  /** A reused socket the server had closed: ECONNRESET. */
  reset?: boolean;
}

/** One SDK call as the wirescope plugin records it: operation, attempts, phases of new connections. */
function pluginCall(
  traceId: string,
  startMs: number,
  host: string,
  name: string,
  attempts: Attempt[],
  parentSpanId?: string,
): WireSpan[] {
  const [service, method] = name.split('.') as [string, string];
  const opId = id(16);
  const out: WireSpan[] = [];
  let cursor = startMs + 1;
  attempts.forEach((a, index) => {
    const attemptId = id(16);
    const attributes: WireSpan['attributes'] = {
      'wirescope.attempt': index + 1,
      'wirescope.connection.reused': a.fresh === undefined,
      'wirescope.connection.id': a.connection,
      'server.address': host,
      'server.port': 443,
      'http.request.method': 'PUT',
    };
    if (a.fresh === undefined) attributes['wirescope.connection.idle_ms'] = a.reset ? 5200 : 40;
    if (a.reset) {
      attributes['error.type'] = 'ECONNRESET';
      attributes['wirescope.socket.reset'] = true;
    } else attributes['http.response.status_code'] = 200;
    out.push(
      wire({
        name: `${name} attempt`,
        traceId,
        spanId: attemptId,
        parentSpanId: opId,
        startMs: cursor,
        durationMs: a.ms,
        attributes,
        error: a.reset === true,
      }),
    );
    if (a.fresh) {
      let at = cursor;
      for (const [phase, ms] of [
        ['dns.lookup', a.fresh.dns],
        ['tcp.connect', a.fresh.tcp],
        ['tls.handshake', a.fresh.tls],
      ] as const) {
        out.push(wire({ name: phase, traceId, parentSpanId: attemptId, startMs: at, durationMs: ms }));
        at += ms;
      }
    }
    cursor += a.ms;
  });
  out.unshift(
    wire({
      name,
      traceId,
      spanId: opId,
      parentSpanId,
      startMs,
      durationMs: cursor - startMs + 1,
      kind: 'client',
      attributes: {
        'rpc.system': 'aws-api',
        'rpc.service': service,
        'rpc.method': method,
        'cloud.region': 'us-east-1',
        'wirescope.caller.region': 'us-east-1',
        'wirescope.attempts': attempts.length,
      },
    }),
  );
  return out;
}

/** An SQS call as instrumentation-aws-sdk and instrumentation-http record it: reuse unknown. */
function standardCall(traceId: string, startMs: number, ms: number): WireSpan[] {
  const opId = id(16);
  return [
    wire({
      name: 'SQS.SendMessage',
      traceId,
      spanId: opId,
      startMs,
      durationMs: ms + 2,
      kind: 'client',
      scope: '@opentelemetry/instrumentation-aws-sdk',
      attributes: {
        'rpc.system': 'aws-api',
        'rpc.service': 'SQS',
        'rpc.method': 'SendMessage',
        'cloud.region': 'us-east-1',
      },
    }),
    wire({
      name: 'POST',
      traceId,
      parentSpanId: opId,
      startMs: startMs + 1,
      durationMs: ms,
      kind: 'client',
      scope: '@opentelemetry/instrumentation-http',
      attributes: {
        'http.request.method': 'POST',
        'server.address': SQS,
        'server.port': 443,
        'http.response.status_code': 200,
      },
    }),
  ];
}

/** Attempt durations the test sets, per host and series. */
const S3_NEW_MS = [180, 210, 240];
const S3_REUSED_MS = [18, 22, 25, 31, 36, 44, 52, 61, 75];
const DDB_NEW_MS = [300, 320, 350, 380, 410, 440];
const SQS_MS = [40, 55, 70, 90];
const HANDSHAKE = { dns: 20, tcp: 40, tls: 80 };

function spans(): WireSpan[] {
  const out: WireSpan[] = [];
  // A request handler: S3 puts on one keep-alive connection (the first opens it), one new one later.
  const checkout = id(32);
  const rootId = id(16);
  out.push(
    wire({
      name: 'POST /checkout',
      traceId: checkout,
      spanId: rootId,
      startMs: 0,
      durationMs: 5000,
      kind: 'server',
    }),
  );
  let t = 10;
  S3_NEW_MS.forEach((ms, i) => {
    out.push(
      ...pluginCall(
        checkout,
        t,
        S3,
        'S3.PutObject',
        [{ ms, fresh: HANDSHAKE, connection: `s3-${i}` }],
        rootId,
      ),
    );
    t += ms + 5;
    for (const reusedMs of S3_REUSED_MS.slice(i * 3, i * 3 + 3)) {
      out.push(
        ...pluginCall(checkout, t, S3, 'S3.PutObject', [{ ms: reusedMs, connection: `s3-${i}` }], rootId),
      );
      t += reusedMs + 5;
    }
  });
  // Stale keep-alive sockets: a reused attempt reset after 1 ms, then a new connection (S3 too).
  const stale = id(32);
  out.push(
    ...pluginCall(stale, 6000, S3, 'S3.GetObject', [
      { ms: 1, connection: 's3-2', reset: true },
      { ms: 230, fresh: HANDSHAKE, connection: 's3-9' },
    ]),
  );
  // A client made per call: every DynamoDB attempt opens a connection (connection-churn).
  const churn = id(32);
  DDB_NEW_MS.forEach((ms, i) => {
    out.push(
      ...pluginCall(churn, 7000 + i * 500, DDB, 'DynamoDB.PutItem', [
        { ms, fresh: HANDSHAKE, connection: `ddb-${i}` },
      ]),
    );
  });
  // Standard instrumentations without instrumentation-net: reuse unknown.
  const sqs = id(32);
  SQS_MS.forEach((ms, i) => {
    out.push(...standardCall(sqs, 11_000 + i * 200, ms));
  });
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'wirescope-html-charts-'));
const screenshot = join(dir, 'report-charts.png');
let browser: Browser | undefined;
let result: AnalysisResult;
let html: string;
let reportUrl: string;

beforeAll(async () => {
  result = await analyze(spans());
  html = formatHtml(result, { title: 'wirescope charts test' });
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  reportUrl = pathToFileURL(file).href;
  if (SKIP) return;
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `chromium not found at ${CHROMIUM}: install it (apt-get update && apt-get install -y chromium), ` +
        'or set WIRESCOPE_SKIP_BROWSER=1 to skip the browser test',
    );
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The root tsconfig has no DOM lib: the little of the DOM these checks use, typed here. */
interface El {
  getBoundingClientRect(): {
    left: number;
    right: number;
    top: number;
    bottom: number;
    width: number;
    height: number;
  };
  scrollWidth: number;
  clientWidth: number;
  scrollHeight: number;
  clientHeight: number;
  textContent: string | null;
  tagName: string;
  className: string;
  parentElement: El | null;
  closest(selector: string): El | null;
  querySelector(selector: string): El | null;
  getAttribute(name: string): string | null;
}
type Win = { getComputedStyle(e: El): { fontSize: string; overflowX: string; display: string } };

async function open(width: number): Promise<Page> {
  const page = await (browser as Browser).newPage({ viewport: { width, height: 900 } });
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(reportUrl);
  // Self-contained: the page asked for nothing but itself.
  expect(requests).toEqual([reportUrl]);
  return page;
}

/** Containers whose content must fit: nothing scrolls sideways inside them. */
const CONTAINERS =
  'html, body, #finding-costs, .cost-row, .cost-label, .cost-value, #attempt-latency, .host-latency, .host-latency h3, .lat-row, .lat-label, .hist, .axis, .waterfall, .waterfall h3';

async function overflowing(page: Page): Promise<string[]> {
  return page.locator(CONTAINERS).evaluateAll((nodes) =>
    (nodes as unknown as El[])
      // The page scrolls down, as pages do; nothing scrolls sideways, and no box inside it spills.
      .filter(
        (n) =>
          n.scrollWidth > n.clientWidth + 1 ||
          (n.tagName !== 'HTML' && n.tagName !== 'BODY' && n.scrollHeight > n.clientHeight + 1),
      )
      .filter((n) => n.clientWidth > 0)
      .map(
        (n) =>
          `${n.className || 'root'}: ${n.scrollWidth}>${n.clientWidth} / ${n.scrollHeight}>${n.clientHeight}`,
      ),
  );
}

describe('the report made from spans with known latencies', () => {
  it('has a series per host as the spans set it, and the findings the test needs', () => {
    const hosts = new Map(result.attemptLatency?.hosts.map((h) => [h.host, h]));
    expect(hosts.get(`${S3}:443`)?.new.count).toBe(S3_NEW_MS.length + 1);
    expect(hosts.get(`${S3}:443`)?.reused.count).toBe(S3_REUSED_MS.length + 1);
    expect(hosts.get(`${DDB}:443`)).toMatchObject({
      new: { count: 6, medianMs: 350, maxMs: 440 },
      reused: { count: 0 },
    });
    expect(hosts.get(`${SQS}:443`)).toMatchObject({ new: { count: 0 }, reused: { count: 0 }, unknown: 4 });
    const codes = result.findings.map((f) => f.code);
    expect(codes).toContain('connection-churn');
    expect(codes).toContain('stale-connection-reset');
    expect(new Set(result.findings.map((f) => f.costMs)).size).toBeGreaterThan(1);
    expect(html).not.toMatch(/<script|<link|src=|url\(/i);
  });
});

describe.skipIf(SKIP)('HTML report charts in chromium (skipped when WIRESCOPE_SKIP_BROWSER=1)', () => {
  it('draws per host new against reused, or says why not', async () => {
    const page = await open(1280);
    for (const host of result.attemptLatency?.hosts ?? []) {
      const section = page.locator(`#attempt-latency .host-latency[data-host="${host.host}"]`);
      await expect.poll(() => section.isVisible()).toBe(true);
      for (const kind of ['new', 'reused'] as const) {
        const series = host[kind];
        const row = section.locator(`.lat-row[data-series="${kind}"]`);
        if (host.new.count + host.reused.count === 0) {
          expect(await row.count()).toBe(0);
          continue;
        }
        const bins = row.locator(`.hist .bin-${kind}`);
        if (series.count === 0) {
          expect(await row.getAttribute('class')).toContain('empty');
          expect(await bins.count()).toBe(0);
          expect(await row.textContent()).toMatch(
            kind === 'reused' ? /No attempt .* reused/ : /No attempt .* new/,
          );
          continue;
        }
        // One bar per non-empty bin, the counts those of the analysis, the tallest bar the full height.
        expect(await bins.count()).toBe(series.histogram.filter((c) => c > 0).length);
        const drawn = await bins.evaluateAll((nodes) =>
          (nodes as unknown as El[]).map((n) => ({
            count: Number(n.getAttribute('data-count')),
            height: n.getBoundingClientRect().height,
            box: n.getBoundingClientRect(),
            hist: (n.parentElement as El).getBoundingClientRect(),
          })),
        );
        expect(drawn.reduce((sum, b) => sum + b.count, 0)).toBe(series.count);
        const tallest = Math.max(...drawn.map((b) => b.count));
        for (const bin of drawn) {
          expect(Math.abs(bin.height - (bin.hist.height * bin.count) / tallest)).toBeLessThanOrEqual(2);
          expect(bin.box.width).toBeGreaterThan(1);
          expect(bin.box.left).toBeGreaterThanOrEqual(bin.hist.left - 0.5);
          expect(bin.box.right).toBeLessThanOrEqual(bin.hist.right + 0.5);
        }
        expect(await row.locator('.median').count()).toBe(1);
        expect(await row.locator('.lat-label').textContent()).toContain(`median`);
      }
    }
    // The host whose spans cannot say: no chart, the reason in words.
    const sqs = page.locator(`.host-latency[data-host="${SQS}:443"]`);
    expect(await sqs.locator('.hist').count()).toBe(0);
    expect(await sqs.locator('.chart-note').textContent()).toMatch(
      /cannot be drawn.*all 4 attempts.*instrumentation-net/,
    );
    await page.close();
  });

  it('draws each finding cost as a bar in proportion to the largest (within 2 px)', async () => {
    const page = await open(1280);
    const rows = await page.locator('#finding-costs .cost-row').evaluateAll((nodes) =>
      (nodes as unknown as El[]).map((n) => ({
        code: n.getAttribute('data-finding-code'),
        bar: (n.querySelector('.cost-bar') as El).getBoundingClientRect().width,
        track: (n.querySelector('.cost-track') as El).getBoundingClientRect().width,
        value: (n.querySelector('.cost-value') as El).textContent,
      })),
    );
    expect(rows.map((r) => r.code)).toEqual(result.findings.map((f) => f.code));
    const largest = Math.max(...result.findings.map((f) => f.costMs));
    rows.forEach((row, i) => {
      const cost = result.findings[i]?.costMs ?? 0;
      expect(row.track).toBeGreaterThan(200);
      expect(Math.abs(row.bar - (row.track * cost) / largest), JSON.stringify(row)).toBeLessThanOrEqual(2);
      expect(row.value).toMatch(/^≈ [\d.]+ (ms|s)$/);
    });
    expect(rows[0]?.bar).toBeCloseTo(rows[0]?.track ?? 0, 0);
    await page.close();
  });

  for (const width of [1280, 720]) {
    it(`overflows nothing and clips no label at ${width} px`, async () => {
      const page = await open(width);
      expect(await overflowing(page)).toEqual([]);
      // Axis labels: inside their axis, apart from each other, at a legible size.
      const axes = await page.locator('#attempt-latency .axis').evaluateAll((nodes) =>
        (nodes as unknown as El[]).map((axis) => {
          const box = axis.getBoundingClientRect();
          const ticks = [...(axis as unknown as { children: Iterable<El> }).children].map((t) => ({
            text: t.textContent,
            left: t.getBoundingClientRect().left,
            right: t.getBoundingClientRect().right,
            font: Number.parseFloat((globalThis as unknown as Win).getComputedStyle(t).fontSize),
          }));
          return { left: box.left, right: box.right, ticks };
        }),
      );
      expect(axes.length).toBeGreaterThanOrEqual(2);
      for (const axis of axes) {
        expect(axis.ticks.length).toBeGreaterThanOrEqual(2);
        axis.ticks.forEach((tick, i) => {
          expect(tick.left, JSON.stringify(tick)).toBeGreaterThanOrEqual(axis.left - 1);
          expect(tick.right, JSON.stringify(tick)).toBeLessThanOrEqual(axis.right + 1);
          expect(tick.font).toBeGreaterThanOrEqual(11);
          expect(tick.text).toMatch(/^[\d.]+ (ms|s)$/);
          const next = axis.ticks[i + 1];
          if (next) expect(tick.right, `${tick.text} overlaps ${next.text}`).toBeLessThanOrEqual(next.left);
        });
      }
      // Every label and note of the charts: laid out, at least 11 px, its text within its box.
      const labels = await page
        .locator(
          '#finding-costs .cost-label, #finding-costs .cost-value, .lat-label, .lat-empty, .chart-note, .wf-title, .trace-id',
        )
        .evaluateAll((nodes) =>
          (nodes as unknown as El[]).map((n) => {
            const box = n.getBoundingClientRect();
            const parent = (n.parentElement as El).getBoundingClientRect();
            return {
              text: n.textContent,
              width: box.width,
              height: box.height,
              inside: box.left >= parent.left - 1 && box.right <= parent.right + 1,
              font: Number.parseFloat((globalThis as unknown as Win).getComputedStyle(n).fontSize),
            };
          }),
        );
      expect(labels.length).toBeGreaterThan(10);
      for (const label of labels) {
        expect(label.width, JSON.stringify(label)).toBeGreaterThan(0);
        expect(label.height, JSON.stringify(label)).toBeGreaterThanOrEqual(label.font);
        expect(label.inside, JSON.stringify(label)).toBe(true);
        expect(label.font).toBeGreaterThanOrEqual(11);
      }
      await page.close();
    });
  }

  it('titles the waterfalls by what the traces are, the trace id after, smaller', async () => {
    const page = await open(1280);
    const titles = await page.locator('#waterfalls .wf-title').allTextContents();
    expect(titles).toContain('POST /checkout → S3.PutObject ×12 · checkout-service');
    expect(titles).toContain('DynamoDB.PutItem ×6 · checkout-service');
    const sizes = await page
      .locator('#waterfalls .waterfall h3')
      .first()
      .evaluate((h3) => {
        const q = (s: string) => (h3 as unknown as El).querySelector(s) as El;
        const win = globalThis as unknown as Win;
        return {
          title: Number.parseFloat(win.getComputedStyle(q('.wf-title')).fontSize),
          id: Number.parseFloat(win.getComputedStyle(q('.trace-id .mono')).fontSize),
          titleLeft: q('.wf-title').getBoundingClientRect().left,
          idLeft: q('.trace-id').getBoundingClientRect().left,
        };
      });
    expect(sizes.id).toBeLessThan(sizes.title);
    expect(sizes.idLeft).toBeGreaterThan(sizes.titleLeft);
    await page.close();
  });

  it('writes a full-page PNG screenshot', async () => {
    const page = await open(1280);
    await page.screenshot({ path: screenshot, fullPage: true });
    const png = readFileSync(screenshot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000);
    const keep = process.env.WIRESCOPE_SCREENSHOT_DIR;
    if (keep) {
      copyFileSync(screenshot, join(keep, 'report-charts.png'));
      writeFileSync(join(keep, 'report-charts.html'), html);
    }
    await page.close();
  });
});
