import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import { formatHtml } from './format-html.js';
import { formatJson } from './format-json.js';
import { formatMarkdown } from './format-markdown.js';
import { formatText } from './format-text.js';

/**
 * An HTTP/2 trace (NodeHttp2Handler with a session per request: 3 sequential calls, each opening its
 * own session, dns 2 + tcp 1 + tls 5 ms) and one HTTP/1.1 call beside it, as the reports print them.
 */
function sessionPerRequest(): WireSpan[] {
  return Array.from({ length: 3 }, (_, i) =>
    call({
      startMs: i * 300,
      http2: true,
      attempts: [{ reused: false, connectionId: `c4242-${i + 1}`, durationMs: 40 }],
    }),
  ).flat();
}

describe('reports of an HTTP/2 trace name the session', () => {
  it('text: the counts say how many attempts ran on HTTP/2 sessions, the findings name sessions and NodeHttp2Handler', async () => {
    const text = formatText(await analyze(sessionPerRequest()), { color: false });
    expect(text).toContain('3 attempts (3 on HTTP/2 sessions), 0 attempts on a reused connection or session');
    expect(text).toMatch(/connection-churn +16 ms +8\.0 ms/);
    expect(text).toMatch(/opened a new HTTP\/2\s+session \(a session per request: disableConcurrentStreams/);
    expect(text).toMatch(/cost: measured dns\+tcp\+tls of 2 sessions beyond the 1 that concurrency needs/);
    expect(text).toMatch(
      /fix: NodeHttp2Handler with disableConcurrentStreams: true opens a session per request/,
    );
    expect(text).toMatch(
      /3 of 3 new HTTP\/2 sessions to my-bucket\.s3\.us-east-1\.amazonaws\.com paid a DNS lookup/,
    );
  });

  it('json: stats.http2Attempts and the findings; an HTTP/1.1 trace has no http2Attempts and names connections', async () => {
    const json = JSON.parse(formatJson(await analyze(sessionPerRequest())));
    expect(json.stats).toMatchObject({ attempts: 3, reusedAttempts: 0, http2Attempts: 3 });
    const churn = json.findings.find((f: { code: string }) => f.code === 'connection-churn');
    expect(churn).toMatchObject({
      costMs: 16,
      costBasis: 'measured dns+tcp+tls of 2 sessions beyond the 1 that concurrency needs',
    });
    expect(churn.summary).toContain('opened a new HTTP/2 session');
    expect(churn.evidence.counts).toMatchObject({ sessionsNeeded: 1, extraConnections: 2 });
    const http1 = Array.from({ length: 3 }, (_, i) =>
      call({ startMs: i * 300, attempts: [{ reused: false, connectionId: `h-${i}`, durationMs: 40 }] }),
    ).flat();
    const plain = JSON.parse(formatJson(await analyze(http1)));
    expect(plain.stats.http2Attempts).toBeUndefined();
    const h1churn = plain.findings.find((f: { code: string }) => f.code === 'connection-churn');
    expect(h1churn.summary).toContain('opened a new TLS connection');
    expect(h1churn.fix).not.toContain('NodeHttp2Handler');
    expect(formatText(await analyze(http1), { color: false })).toContain(
      '0 attempts on a reused connection\n',
    );
  });

  it('json waterfall: each attempt says http2 and its session id; html: the badge names the HTTP/2 session', async () => {
    const result = await analyze(sessionPerRequest());
    const json = JSON.parse(formatJson(result));
    const attempts = json.waterfalls.flatMap((w: { operations: Array<{ attempts: object[] }> }) =>
      w.operations.flatMap((o) => o.attempts),
    );
    expect(
      attempts.map((a: { connectionId: string; http2: boolean; reused: boolean }) => [
        a.connectionId,
        a.http2,
        a.reused,
      ]),
    ).toEqual([
      ['c4242-1', true, false],
      ['c4242-2', true, false],
      ['c4242-3', true, false],
    ]);
    const html = formatHtml(result);
    expect(html).toContain('title="HTTP/2 session c4242-1">+ h2 session 1</span>');
    const http1 = formatHtml(await analyze(call({ startMs: 0, attempts: [{ reused: false }] })));
    expect(http1).toContain('title="connection c4242-1">+ conn 1</span>');
    expect(
      JSON.parse(formatJson(await analyze(call({ startMs: 0 })))).waterfalls[0].operations[0].attempts[0]
        .http2,
    ).toBeUndefined();
  });

  it('markdown: the counts name the HTTP/2 sessions', async () => {
    expect(formatMarkdown(await analyze(sessionPerRequest()))).toContain(
      '3 attempts (0 reused connections, 3 on HTTP/2 sessions)',
    );
  });
});
