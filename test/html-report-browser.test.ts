// Issue 6: the HTML report in a real browser. Debian's chromium (/usr/bin/chromium, installed by
// .ci/run) driven by playwright-core opens a report made from real plugin spans (a client per request
// against s3rver, then 3 MiB uploads on the SDK's one-off agent) and checks that the findings and the
// waterfall bars are rendered: visible, with a non-zero width. A screenshot is written for people.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { analyze, formatHtml, wireSpanFromReadable } from '@wirescope/analyzer';
import { wirescope } from '@wirescope/aws-sdk';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { createTestBucket, type S3ServerHandle, startS3Server } from './support/s3-server.js';

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

const dir = mkdtempSync(join(tmpdir(), 'wirescope-html-browser-'));
/** Where the screenshot goes (kept after the run, so a person can look at it). */
const SCREENSHOT = join(tmpdir(), 'wirescope-report-screenshot.png');
let s3: S3ServerHandle;
let browser: Browser | undefined;
let reportUrl: string;

async function makeReport(): Promise<string> {
  const tracing = createTestTracing();
  s3 = await startS3Server();
  const setup = createS3Client(s3.endpoint);
  await createTestBucket(setup, 'browser-report');
  setup.destroy();
  // connection-churn: a client made per request.
  for (let i = 0; i < 4; i++) {
    const client = createS3Client(s3.endpoint);
    client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider, callerRegion: 'us-east-1' }));
    await client.send(new PutObjectCommand({ Bucket: 'browser-report', Key: `small/${i}`, Body: 'x' }));
    client.destroy();
  }
  // expect-continue-no-reuse: 3 MiB uploads on one client (the SDK's one-off agent each time).
  const client = createS3Client(s3.endpoint);
  client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider, callerRegion: 'us-east-1' }));
  for (let i = 0; i < 2; i++) {
    await client.send(
      new PutObjectCommand({ Bucket: 'browser-report', Key: `large/${i}`, Body: Buffer.alloc(3 << 20, 1) }),
    );
  }
  client.destroy();
  const result = await analyze(tracing.spans().map((span) => wireSpanFromReadable(span)));
  await tracing.shutdown();
  const file = join(dir, 'report.html');
  writeFileSync(file, formatHtml(result, { title: 'wirescope browser test' }));
  return pathToFileURL(file).href;
}

beforeAll(async () => {
  if (SKIP) return;
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `chromium not found at ${CHROMIUM}: install it (apt-get update && apt-get install -y chromium), ` +
        'or set WIRESCOPE_SKIP_BROWSER=1 to skip the browser test',
    );
  }
  reportUrl = await makeReport();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(SKIP)('HTML report in chromium (skipped when WIRESCOPE_SKIP_BROWSER=1)', () => {
  it('renders the findings and the waterfall bars, visible and non-zero wide', async () => {
    const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(reportUrl);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const findings = page.locator('#findings article.finding');
    const codes = await findings.evaluateAll((nodes) =>
      nodes.map((n) => n.getAttribute('data-finding-code')),
    );
    expect(codes).toContain('connection-churn');
    expect(codes).toContain('expect-continue-no-reuse');
    for (const code of ['connection-churn', 'expect-continue-no-reuse']) {
      const article = page.locator(`#findings article[data-finding-code="${code}"]`);
      await expect.poll(() => article.isVisible()).toBe(true);
      const box = await article.boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(100);
      expect(box?.height ?? 0).toBeGreaterThan(20);
      expect(await article.locator('.fix').textContent()).toMatch(/\w{3,}/);
    }

    // Waterfall: every operation and attempt bar laid out with a width > 0 px, inside its track.
    // (The root tsconfig has no DOM lib: the few browser globals used are typed here.)
    const bars = await page.locator('#waterfalls .bar').evaluateAll((nodes) =>
      nodes.map((n) => {
        const r = n.getBoundingClientRect();
        const track = (n.parentElement as typeof n).getBoundingClientRect();
        const style = (
          globalThis as unknown as {
            getComputedStyle(e: unknown): { visibility: string; display: string };
          }
        ).getComputedStyle(n);
        return {
          left: r.left,
          right: r.right,
          trackLeft: track.left,
          trackRight: track.right,
          style: n.getAttribute('style'),
          row: (n.closest('.wf-row') as unknown as { textContent: string } | null)?.textContent,
          width: r.width,
          height: r.height,
          // An attempt span can end a fraction of a ms after its operation span (separate clocks), so
          // allow 2 % of the track past the right edge; anything more is a layout bug.
          inside: r.left >= track.left - 1 && r.right <= track.right + track.width * 0.02,
          visible: style.visibility !== 'hidden' && style.display !== 'none',
        };
      }),
    );
    // 6 operations, at least as many attempts.
    expect(bars.length).toBeGreaterThanOrEqual(12);
    for (const bar of bars) {
      expect(bar.visible, JSON.stringify(bar)).toBe(true);
      expect(bar.width).toBeGreaterThan(0);
      expect(bar.height).toBeGreaterThan(0);
      expect(bar.inside, JSON.stringify(bar)).toBe(true);
    }
    // The connection phases of the new connections are drawn too (a tls segment at least).
    const tlsWidths = await page
      .locator('#waterfalls .seg[data-kind="tls"]')
      .evaluateAll((nodes) => nodes.map((n) => n.getBoundingClientRect().width));
    expect(tlsWidths.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...tlsWidths)).toBeGreaterThan(0);

    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
