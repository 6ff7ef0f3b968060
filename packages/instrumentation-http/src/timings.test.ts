// Measured durations pinned against what the test injects (issue 19): a server pause before the first
// byte → wirescope.ttfb_ms, a known idle sleep → wirescope.connection.idle_ms. The lower bound is what
// was injected (timers never fire early by more than a millisecond); the upper tolerance is generous
// for a loaded 2-core machine but well under the injected value, so a doubled or halved measurement,
// or one that is always 0, fails.
import https from 'node:https';
import { ATTR_CONNECTION_IDLE_MS, ATTR_CONNECTION_REUSED, ATTR_TTFB_MS } from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disableNodeHttpConnectionFacts, enableNodeHttpConnectionFacts } from './enable-connection-facts.js';
import { certificate, type Listening, send, sleep, startHttpsServer } from './test-support/servers.js';
import { createTracing, inAttempt } from './test-support/tracing.js';

/** The server waits this long before it writes the response head. */
const PAUSE_MS = 200;
/** The client sleeps this long between two requests on one keep-alive socket. */
const IDLE_MS = 300;
/** Scheduling slack allowed above an injected duration (well below either injected value). */
const TOLERANCE_MS = 150;

let server: Listening<https.Server>;
let ca: string;

beforeAll(async () => {
  enableNodeHttpConnectionFacts();
  ca = (await certificate()).cert;
  server = await startHttpsServer((req, res) => {
    const pause = Number(new URL(req.url ?? '/', 'https://x').searchParams.get('pause') ?? 0);
    setTimeout(() => res.end('ok'), pause);
  });
});

afterAll(async () => {
  disableNodeHttpConnectionFacts();
  await server.close();
});

describe('measured durations against injected ones (node:https)', () => {
  it(`ttfb_ms: a ${PAUSE_MS} ms server pause before the first byte, on a new and on a reused socket`, async () => {
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: true, ca });
    const get = () =>
      inAttempt(tracing.tracer, () =>
        send(https, { host: '127.0.0.1', port: server.port, agent, path: `/?pause=${PAUSE_MS}` }),
      );
    const fresh = await get();
    const reused = await get();
    agent.destroy();
    expect(fresh.scope.facts.get(ATTR_CONNECTION_REUSED)).toBe(false);
    expect(reused.scope.facts.get(ATTR_CONNECTION_REUSED)).toBe(true);
    for (const { scope } of [fresh, reused]) {
      const ttfb = scope.facts.get(ATTR_TTFB_MS) as number;
      expect(ttfb).toBeGreaterThanOrEqual(PAUSE_MS - 1);
      expect(ttfb).toBeLessThan(PAUSE_MS + TOLERANCE_MS);
    }
  });

  it(`ttfb_ms: no pause → far below the ${PAUSE_MS} ms case (not a constant)`, async () => {
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: true, ca });
    await inAttempt(tracing.tracer, () => send(https, { host: '127.0.0.1', port: server.port, agent }));
    const quick = await inAttempt(tracing.tracer, () =>
      send(https, { host: '127.0.0.1', port: server.port, agent }),
    );
    agent.destroy();
    expect(quick.scope.facts.get(ATTR_TTFB_MS) as number).toBeLessThan(PAUSE_MS / 2);
  });

  it(`idle_ms: a ${IDLE_MS} ms sleep between two requests on one keep-alive socket`, async () => {
    const tracing = createTracing();
    const agent = new https.Agent({ keepAlive: true, ca });
    const get = () =>
      inAttempt(tracing.tracer, () => send(https, { host: '127.0.0.1', port: server.port, agent }));
    await get();
    await sleep(IDLE_MS);
    const second = await get();
    agent.destroy();
    expect(second.scope.facts.get(ATTR_CONNECTION_REUSED)).toBe(true);
    const idle = second.scope.facts.get(ATTR_CONNECTION_IDLE_MS) as number;
    expect(idle).toBeGreaterThanOrEqual(IDLE_MS - 1);
    expect(idle).toBeLessThan(IDLE_MS + TOLERANCE_MS);
  });
});
