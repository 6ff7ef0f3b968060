// Issue 18, `expect-continue-timeout` on real servers with the real SDK (node handler): a server that
// never answers `Expect: 100-continue` makes the SDK wait for its fallback timer (6 s) before it sends
// the body — found, with the wait; a server that answers at once — not found.
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { analyze, wireSpanFromReadable } from '@wirescope/analyzer';
import { disableWirescope, wirescope } from '@wirescope/aws-sdk';
import { ATTR_EXPECT_CONTINUE_ENDED_BY, ATTR_EXPECT_CONTINUE_WAIT_MS } from '@wirescope/semconv';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TEST_CREDENTIALS } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { attr, spansNamed } from './support/span-query.js';

/** The SDK's shortest wait for 100 Continue (@smithy/node-http-handler writeRequestBody MIN_WAIT_TIME). */
const SDK_FALLBACK_MS = 6000;

const tracing = createTestTracing();
const servers: http.Server[] = [];
const clients: S3Client[] = [];

afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
  tracing.reset();
});
afterAll(async () => {
  disableWirescope();
  for (const server of servers) server.close();
  await tracing.shutdown();
});

/** A plain-HTTP PutObject answerer; `answerContinue` false: it never sends `100 Continue`. */
async function startServer(answerContinue: boolean): Promise<string> {
  const stored = (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { etag: '"etag"', 'x-amz-request-id': 'CONTINUETEST' });
      res.end();
    });
  };
  const server = http.createServer(stored);
  // With a 'checkContinue' listener Node no longer answers 100 Continue by itself.
  if (!answerContinue) server.on('checkContinue', stored);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(endpoint: string): S3Client {
  const s3 = new S3Client({
    endpoint,
    region: 'us-east-1',
    credentials: { ...TEST_CREDENTIALS },
    forcePathStyle: true,
    maxAttempts: 1,
    // Every upload gets the header, whatever its size (the default is from 2 MiB).
    expectContinueHeader: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  s3.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  clients.push(s3);
  return s3;
}

async function putAndAnalyze(endpoint: string) {
  const output = await client(endpoint).send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'hello' }));
  expect(output.$metadata.httpStatusCode).toBe(200);
  const [attempt] = spansNamed(tracing.spans(), 'S3.PutObject attempt');
  const result = await analyze(tracing.spans().map((span) => wireSpanFromReadable(span)));
  return { attempt: attempt!, findings: result.findings.filter((f) => f.code === 'expect-continue-timeout') };
}

describe('expect-continue-timeout against real servers (node handler)', () => {
  it('a server that never sends 100 Continue: the SDK timer ends the wait, found', async () => {
    const { attempt, findings } = await putAndAnalyze(await startServer(false));
    expect(attr(attempt, ATTR_EXPECT_CONTINUE_ENDED_BY)).toBe('timer');
    const wait = attr(attempt, ATTR_EXPECT_CONTINUE_WAIT_MS) as number;
    expect(wait).toBeGreaterThanOrEqual(SDK_FALLBACK_MS - 50);
    expect(wait).toBeLessThan(SDK_FALLBACK_MS + 2000);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f?.severity).toBe('error');
    expect(f?.evidence.counts).toEqual({ uploads: 1 });
    // The cost is the wait less the round trip measured on loopback (a millisecond or so).
    const rtt = f?.evidence.measurements.rttMs ?? 0;
    expect(rtt).toBeLessThan(50);
    expect(f?.costMs).toBeCloseTo(wait - rtt, 0);
    expect(f?.fix).toContain('expectContinueHeader: false');
  }, 30_000);

  it('a server that answers 100 Continue: ended by the server, not found', async () => {
    const { attempt, findings } = await putAndAnalyze(await startServer(true));
    expect(attr(attempt, ATTR_EXPECT_CONTINUE_ENDED_BY)).toBe('server');
    expect(attr(attempt, ATTR_EXPECT_CONTINUE_WAIT_MS) as number).toBeLessThan(1000);
    expect(findings).toEqual([]);
  });
});
