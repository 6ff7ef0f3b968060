import { type EventEmitter, errorMonitor } from 'node:events';
import http2 from 'node:http2';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_REUSED,
  ATTR_HTTP2_STREAMS_IN_FLIGHT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  disableNodeHttp2ConnectionFacts,
  enableNodeHttp2ConnectionFacts,
} from './http2-enable-connection-facts.js';
import { Http2ConnectionInstrumentation } from './http2-instrumentation.js';
import { http2Registry } from './http2-patch-connect.js';
import {
  Http2ConnectionInstrumentation as Exported,
  type Http2ConnectionInstrumentationConfig,
} from './index.js';
import { answerAfter, type H2Listening, h2Request, startH2Server } from './test-support/http2.js';
import { certificate } from './test-support/servers.js';
import { createTracing, inAttempt } from './test-support/tracing.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const module = http2 as unknown as { connect: unknown };
const ORIGINAL_CONNECT = module.connect;
let server: H2Listening;
let ca: string;
const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);

beforeAll(async () => {
  ca = (await certificate()).cert;
  server = await startH2Server(answerAfter(20));
  process.on('warning', onWarning);
});

afterAll(async () => {
  process.off('warning', onWarning);
  await server.close();
});

function listenerCounts(emitter: EventEmitter): Record<string, number> {
  return Object.fromEntries(emitter.eventNames().map((name) => [String(name), emitter.listenerCount(name)]));
}

function thrownBy(make: () => unknown): { code?: string; option?: string; message: string } {
  try {
    make();
  } catch (error) {
    return error as { code?: string; option?: string; message: string };
  }
  throw new Error('did not throw');
}

describe('Http2ConnectionInstrumentation config', () => {
  it('is exported, accepts none, null and a full valid config', () => {
    expect(Exported).toBe(Http2ConnectionInstrumentation);
    const full: Http2ConnectionInstrumentationConfig = {
      enabled: false,
      recordOnActiveSpan: false,
      ignoreRequestHook: () => false,
      bodyGracePeriodMs: 250,
    };
    const instrumentation = new Http2ConnectionInstrumentation(full);
    expect(instrumentation.getConfig()).toEqual(full);
    instrumentation.setConfig(null);
    expect(instrumentation.getConfig()).toEqual({ enabled: true, recordOnActiveSpan: true });
    expect(module.connect).toBe(ORIGINAL_CONNECT); // enabled: false patches nothing
  });

  it('a bad option throws WIRESCOPE_BAD_OPTION from the constructor and setConfig, naming it', () => {
    const bad = { ignoreRequestHook: 'yes' } as unknown as Http2ConnectionInstrumentationConfig;
    for (const error of [
      thrownBy(() => new Http2ConnectionInstrumentation(bad)),
      thrownBy(() => new Http2ConnectionInstrumentation({ enabled: false }).setConfig(bad)),
    ]) {
      expect(error.code).toBe('WIRESCOPE_BAD_OPTION');
      expect(error.option).toBe('ignoreRequestHook');
      expect(error.message).toBe(
        '@wirescope/instrumentation-http: option ignoreRequestHook must be a function (returns true to ' +
          'record nothing for a session or stream), got "yes" (a string).',
      );
    }
    // The body grace period, as on HTTP/1.1: a non-negative number of milliseconds.
    expect(thrownBy(() => new Http2ConnectionInstrumentation({ bodyGracePeriodMs: -5 })).option).toBe(
      'bodyGracePeriodMs',
    );
    const valid = new Http2ConnectionInstrumentation({ enabled: false, bodyGracePeriodMs: 5 });
    expect(valid.getConfig().bodyGracePeriodMs).toBe(5);
  });
});

describe('enable / disable', () => {
  it('one patch for instances and the plugin switch, idempotent; the last one out restores connect', async () => {
    const a = new Http2ConnectionInstrumentation();
    const b = new Http2ConnectionInstrumentation({ recordOnActiveSpan: false });
    enableNodeHttp2ConnectionFacts();
    enableNodeHttp2ConnectionFacts();
    const patched = module.connect;
    expect(patched).not.toBe(ORIGINAL_CONNECT);
    expect((patched as { length: number }).length).toBe((ORIGINAL_CONNECT as { length: number }).length);
    a.enable();
    expect(module.connect).toBe(patched);
    expect(http2Registry().consumers.size).toBe(3);

    // Three consumers, one session: one handshake, not three.
    const tracing = createTracing();
    await inAttempt(tracing.tracer, async () => {
      const session = http2.connect(server.url, { ca });
      await h2Request(session);
      session.close();
    });
    expect(tracing.named(SPAN_TLS_HANDSHAKE)).toHaveLength(1);

    a.disable();
    a.disable();
    disableNodeHttp2ConnectionFacts();
    expect(module.connect).toBe(patched);
    b.disable();
    expect(module.connect).toBe(ORIGINAL_CONNECT);
    disableNodeHttp2ConnectionFacts(); // never throws, still restored
    expect(module.connect).toBe(ORIGINAL_CONNECT);
    expect(http2Registry().consumers.size).toBe(0);
  });

  it('two copies of the package share one patch (the process registry) and record once', async () => {
    vi.resetModules();
    const copy = (await import(
      './http2-enable-connection-facts.js'
    )) as typeof import('./http2-enable-connection-facts.js');
    expect(copy.enableNodeHttp2ConnectionFacts).not.toBe(enableNodeHttp2ConnectionFacts);
    enableNodeHttp2ConnectionFacts();
    const patched = module.connect;
    copy.enableNodeHttp2ConnectionFacts();
    expect(module.connect).toBe(patched);
    const tracing = createTracing();
    const { scope } = await inAttempt(tracing.tracer, async () => {
      const session = http2.connect(server.url, { ca });
      await h2Request(session);
      session.close();
    });
    expect(tracing.named(SPAN_TLS_HANDSHAKE)).toHaveLength(1);
    expect(scope.facts.get(ATTR_CONNECTION_REUSED)).toBe(false);
    disableNodeHttp2ConnectionFacts();
    expect(module.connect).toBe(patched); // the copy's consumer still needs it
    copy.disableNodeHttp2ConnectionFacts();
    expect(module.connect).toBe(ORIGINAL_CONNECT);
  });

  it('someone wrapped connect after us: disable leaves our wrapper as a pass-through in their chain', async () => {
    enableNodeHttp2ConnectionFacts();
    const ours = module.connect as (...args: unknown[]) => http2.ClientHttp2Session;
    let theirs = 0;
    const wrappedOver = function connect(this: unknown, ...args: unknown[]) {
      theirs += 1;
      return Reflect.apply(ours, this, args);
    };
    module.connect = wrappedOver;
    disableNodeHttp2ConnectionFacts();
    expect(module.connect).toBe(wrappedOver);
    const tracing = createTracing();
    const { scope } = await inAttempt(tracing.tracer, async () => {
      const session = http2.connect(server.url, { ca });
      const reply = await h2Request(session);
      session.close();
      return reply;
    });
    expect(theirs).toBe(1);
    expect(scope.facts.size).toBe(0); // passed straight through
    expect(tracing.spans()).toHaveLength(1); // the attempt only
    // Enabled again, the wrapper in their chain records again; a second patch is not stacked.
    enableNodeHttp2ConnectionFacts();
    expect(module.connect).toBe(wrappedOver);
    const again = await inAttempt(tracing.tracer, async () => {
      const session = http2.connect(server.url, { ca });
      await h2Request(session);
      session.close();
    });
    expect(again.scope.facts.get(ATTR_CONNECTION_ID)).toMatch(/^c\d+-\d+$/);
    disableNodeHttp2ConnectionFacts();
    module.connect = ORIGINAL_CONNECT;
    const registry = http2Registry();
    registry.original = undefined;
    registry.wrapper = undefined;
  });
});

describe('listeners', () => {
  it('every listener we add goes when its stream and session close; 20 concurrent streams raise no warning', async () => {
    const before = warnings.length;
    // What Node itself leaves on a session and on a closed stream, without us.
    const bare = http2.connect(server.url, { ca });
    await h2Request(bare);
    const sessionBaseline = listenerCounts(bare);
    const bareStream = await closedStream(bare);
    bare.close();

    enableNodeHttp2ConnectionFacts();
    try {
      const tracing = createTracing();
      const session = http2.connect(server.url, { ca });
      const { scope } = await inAttempt(tracing.tracer, () => h2Request(session));
      expect(scope.facts.get(ATTR_CONNECTION_REUSED)).toBe(false);
      // Twenty attempts multiplexed at once on the session, each its own stream.
      const scopes = await Promise.all(
        Array.from({ length: 20 }, () => inAttempt(tracing.tracer, () => h2Request(session))),
      );
      expect(scopes.map((s) => s.result?.status)).toEqual(Array(20).fill(200));
      const inFlight = scopes.map((s) => s.scope.facts.get(ATTR_HTTP2_STREAMS_IN_FLIGHT));
      expect(inFlight).toEqual(Array.from({ length: 20 }, (_, i) => i));
      // A stream we watched holds nothing of ours once closed; the session holds ours only while it lives:
      // 'goaway', errorMonitor and 'close' (the one-shot 'connect' and 'remoteSettings' ones are gone).
      const watched = await inAttempt(tracing.tracer, () => closedStream(session));
      expect(watched.result).toEqual(bareStream);
      expect(listenerCounts(session)).toEqual({
        ...sessionBaseline,
        goaway: (sessionBaseline['goaway'] ?? 0) + 1,
        [String(errorMonitor)]: (sessionBaseline[String(errorMonitor)] ?? 0) + 1,
        close: (sessionBaseline['close'] ?? 0) + 1,
      });
      session.close();
      await new Promise((resolve) => session.on('close', resolve));
      const counts = listenerCounts(session);
      expect(counts[String(errorMonitor)]).toBeUndefined();
      expect(counts['goaway']).toBeUndefined();
      expect(counts['close']).toBe(1); // the test's own
    } finally {
      disableNodeHttp2ConnectionFacts();
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.slice(before).map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });
});

describe("the host's own errors", () => {
  it('pass through unchanged: a bad authority, a request on a closed session or on no session', async () => {
    const failures = (connect: (...args: unknown[]) => http2.ClientHttp2Session) => {
      const caught: string[] = [];
      const attempt = (fn: () => unknown) => {
        try {
          fn();
          caught.push('no error');
        } catch (error) {
          caught.push(
            `${(error as Error).name} ${(error as { code?: string }).code} ${(error as Error).message}`,
          );
        }
      };
      attempt(() => connect('not a url'));
      attempt(() => connect('ftp://localhost:1'));
      const session = connect(server.url, { ca });
      session.on('error', () => {});
      const request = session.request as (...args: unknown[]) => unknown;
      attempt(() => request.call(undefined, { ':path': '/' }));
      session.destroy();
      attempt(() => session.request({ ':path': '/' }));
      return caught;
    };
    const bare = failures((...args) => Reflect.apply(http2.connect, http2, args));
    enableNodeHttp2ConnectionFacts();
    const tracing = createTracing();
    try {
      const { result: traced } = await inAttempt(tracing.tracer, async () =>
        failures((...args) => Reflect.apply(http2.connect, http2, args)),
      );
      expect(traced).toEqual(bare);
      expect(bare.every((text) => text !== 'no error')).toBe(true);
    } finally {
      disableNodeHttp2ConnectionFacts();
    }
  });
});

describe('memory', () => {
  it('keeps no session alive: a closed session we watched (phases, streams) is garbage-collected', async () => {
    enableNodeHttp2ConnectionFacts();
    const tracing = createTracing();
    let ref: WeakRef<http2.ClientHttp2Session> | undefined;
    try {
      await inAttempt(tracing.tracer, async () => {
        const session = http2.connect(server.url, { ca });
        ref = new WeakRef(session);
        await Promise.all([h2Request(session), h2Request(session)]);
        session.close();
        await new Promise((resolve) => session.on('close', resolve));
      });
    } finally {
      disableNodeHttp2ConnectionFacts();
    }
    expect(tracing.named(SPAN_TLS_HANDSHAKE)).toHaveLength(1);
    for (let i = 0; i < 20 && ref?.deref() !== undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      gc();
    }
    expect(ref?.deref()).toBeUndefined();
  });
});

/** Requests on `session`, reads the answer, and gives the stream's listener counts once it closed. */
async function closedStream(session: http2.ClientHttp2Session): Promise<Record<string, number>> {
  const stream = session.request({ ':path': '/' });
  stream.end();
  stream.resume();
  await new Promise((resolve) => stream.on('close', resolve));
  return listenerCounts(stream);
}
