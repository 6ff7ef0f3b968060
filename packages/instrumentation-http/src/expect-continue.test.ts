import type http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import {
  ATTR_AGENT_ONE_OFF,
  ATTR_EXPECT_CONTINUE,
  ATTR_EXPECT_CONTINUE_ENDED_BY,
  ATTR_EXPECT_CONTINUE_WAIT_MS,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_REQUEST_BODY_SIZE,
  ATTR_TTFB_MS,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
} from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disableNodeHttpConnectionFacts, enableNodeHttpConnectionFacts } from './enable-connection-facts.js';
import { certificate, type Listening, send, startHttpsServer } from './test-support/servers.js';
import { createTracing, inAttempt } from './test-support/tracing.js';

const CONTINUE_DELAY_MS = 60;
let server: Listening<https.Server>;
let ca: string;

beforeAll(async () => {
  enableNodeHttpConnectionFacts();
  ca = (await certificate()).cert;
  server = await startHttpsServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  // Answer `Expect: 100-continue` after a pause, as a far-away S3 endpoint would.
  server.server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    setTimeout(() => {
      res.writeContinue();
      req.resume();
      req.on('end', () => res.end('stored'));
    }, CONTINUE_DELAY_MS);
  });
});

afterAll(async () => {
  disableNodeHttpConnectionFacts();
  await server.close();
});

function upload(agent: https.Agent, body: string, extraHeaders: Record<string, string> = {}, path = '/') {
  return new Promise<number>((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'PUT',
        path,
        agent,
        headers: { expect: '100-continue', 'content-length': Buffer.byteLength(body), ...extraHeaders },
      },
      (res) => {
        res.resume();
        res.on('end', () => req.once('close', () => resolve(res.statusCode ?? 0)));
      },
    );
    req.on('error', reject);
    req.on('continue', () => req.end(body));
  });
}

describe('Expect: 100-continue', () => {
  it('measures the wait for 100 Continue and flags the one-off keepAlive:false agent', async () => {
    const tracing = createTracing();
    const body = 'x'.repeat(4096);
    // What the SDK does for uploads of 2 MiB and more: a fresh agent with keep-alive off.
    const oneOff = new https.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY, ca });
    const attempt = await inAttempt(tracing.tracer, () => upload(oneOff, body));
    expect(attempt.result).toBe(200);
    const facts = attempt.scope.facts;
    expect(facts.get(ATTR_EXPECT_CONTINUE)).toBe(true);
    expect(facts.get(ATTR_EXPECT_CONTINUE_WAIT_MS)).toBeGreaterThanOrEqual(CONTINUE_DELAY_MS - 10);
    expect(facts.get(ATTR_EXPECT_CONTINUE_WAIT_MS)).toBeLessThan(5_000);
    expect(facts.get(ATTR_REQUEST_BODY_SIZE)).toBe(4096);
    expect(facts.get(ATTR_AGENT_ONE_OFF)).toBe(true);
    expect(facts.get(ATTR_HTTP_RESPONSE_STATUS_CODE)).toBe(200);
    // Present; its value against an injected server pause is pinned in timings.test.ts.
    expect(facts.get(ATTR_TTFB_MS)).toBeTypeOf('number');
    expect(facts.has('wirescope.agent.max_sockets')).toBe(false); // Infinity is "unlimited": not recorded
  });

  it('does not call a shared keep-alive agent one-off', async () => {
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: true, ca });
    const attempt = await inAttempt(tracing.tracer, () => upload(agent, 'abc'));
    agent.destroy();
    expect(attempt.scope.facts.get(ATTR_EXPECT_CONTINUE)).toBe(true);
    expect(attempt.scope.facts.has(ATTR_AGENT_ONE_OFF)).toBe(false);
  });

  it('never records credentials, other headers or the URL query', async () => {
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: true, ca });
    const secret = 'SECRET-d41d8cd98f00b204';
    const attempt = await inAttempt(tracing.tracer, () =>
      upload(
        agent,
        'abc',
        { authorization: `AWS4-HMAC-SHA256 Signature=${secret}`, 'x-amz-security-token': secret },
        `/bucket/key?X-Amz-Signature=${secret}&X-Amz-Credential=${secret}`,
      ),
    );
    agent.destroy();
    const everything = JSON.stringify([
      [...attempt.scope.facts.entries()],
      tracing.spans().map((s) => [s.name, s.attributes, s.status, s.events]),
    ]);
    expect(attempt.result).toBe(200);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain('X-Amz');
  });
});

describe('Expect: 100-continue, how the wait ended (issue 18)', () => {
  // A server that never answers `Expect: 100-continue`: it reads whatever body comes, then answers.
  let silent: Listening<https.Server>;
  const FALLBACK_MS = 300;

  beforeAll(async () => {
    silent = await startHttpsServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    silent.server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
      req.resume();
      req.on('end', () => res.end('stored'));
    });
  });
  afterAll(() => silent.close());

  /** An upload that waits for 100 Continue at most `fallbackMs`, as the SDK's writeRequestBody does. */
  function uploadWithFallback(port: number, agent: https.Agent, body: string, stream: boolean) {
    return new Promise<number>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          method: 'PUT',
          path: '/',
          agent,
          headers: { expect: '100-continue', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => req.once('close', () => resolve(res.statusCode ?? 0)));
        },
      );
      req.on('error', reject);
      let sent = false;
      const send = () => {
        if (sent) return;
        sent = true;
        clearTimeout(timer);
        if (stream) Readable.from([Buffer.from(body)]).pipe(req);
        else req.end(body);
      };
      const timer = setTimeout(send, FALLBACK_MS);
      req.on('continue', send);
    });
  }

  it.each([false, true])('the server answered: ended by the server (streamed body: %s)', async (stream) => {
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: false, ca });
    const attempt = await inAttempt(tracing.tracer, () =>
      uploadWithFallback(server.port, agent, 'abc', stream),
    );
    expect(attempt.result).toBe(200);
    expect(attempt.scope.facts.get(ATTR_EXPECT_CONTINUE_ENDED_BY)).toBe('server');
    expect(attempt.scope.facts.get(ATTR_EXPECT_CONTINUE_WAIT_MS)).toBeGreaterThanOrEqual(
      CONTINUE_DELAY_MS - 10,
    );
    expect(attempt.scope.facts.get(ATTR_EXPECT_CONTINUE_WAIT_MS)).toBeLessThan(FALLBACK_MS);
  });

  it.each([false, true])(
    'no answer: ended by the timer, the wait up to the body (streamed body: %s)',
    async (stream) => {
      const tracing = createTracing();
      const agent = new https.Agent({ keepAlive: false, ca });
      const attempt = await inAttempt(tracing.tracer, () =>
        uploadWithFallback(silent.port, agent, 'abc', stream),
      );
      expect(attempt.result).toBe(200);
      expect(attempt.scope.facts.get(ATTR_EXPECT_CONTINUE_ENDED_BY)).toBe('timer');
      const wait = attempt.scope.facts.get(ATTR_EXPECT_CONTINUE_WAIT_MS) as number;
      expect(wait).toBeGreaterThanOrEqual(FALLBACK_MS - 50);
      expect(wait).toBeLessThan(FALLBACK_MS + 1000);
    },
  );

  it('a request without Expect records no ending', async () => {
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: false, ca });
    const attempt = await inAttempt(tracing.tracer, () =>
      send(https, { host: '127.0.0.1', port: silent.port, agent, method: 'PUT' }, 'abc'),
    );
    expect(attempt.scope.facts.has(ATTR_EXPECT_CONTINUE_ENDED_BY)).toBe(false);
  });
});

describe('DNS lookups', () => {
  it("emits dns.lookup for 'localhost' and not for '127.0.0.1'", async () => {
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: false, ca });
    await inAttempt(tracing.tracer, () => send(https, { host: 'localhost', port: server.port, agent }));
    expect(tracing.named(SPAN_DNS_LOOKUP)).toHaveLength(1);
    await inAttempt(tracing.tracer, () => send(https, { host: '127.0.0.1', port: server.port, agent }));
    expect(tracing.named(SPAN_DNS_LOOKUP)).toHaveLength(1);
    expect(tracing.named(SPAN_TCP_CONNECT)).toHaveLength(2);
  });
});
