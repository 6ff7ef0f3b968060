import { createRequire } from 'node:module';
import { type DiagLogger, DiagLogLevel, diag, INVALID_SPAN_CONTEXT, trace } from '@opentelemetry/api';
import { type AttemptScope, runInAttemptScope } from '@wirescope/instrumentation';
import { afterEach, describe, expect, it } from 'vitest';
import { effectiveTimeouts, patchHandlerTimeouts, unpatchHandlerTimeouts } from './handler-timeouts.js';

// The limits each handler applies, and the wrapper: what the host's call gets back, untouched, whatever
// the config holds (issue 18, no-timeout).
describe('effectiveTimeouts', () => {
  it('NodeHttpHandler: requestTimeout counts only with throwOnRequestTimeout; socketTimeout, else the service default', () => {
    expect(effectiveTimeouts('NodeHttpHandler', {}, undefined)).toEqual({
      request: 0,
      connection: 0,
      socket: 0,
    });
    expect(effectiveTimeouts('NodeHttpHandler', { requestTimeout: 5000 }, undefined).request).toBe(0);
    expect(
      effectiveTimeouts('NodeHttpHandler', { requestTimeout: 5000, throwOnRequestTimeout: true }, undefined)
        .request,
    ).toBe(5000);
    // The call's own requestTimeout wins over the handler's.
    expect(
      effectiveTimeouts(
        'NodeHttpHandler',
        { requestTimeout: 5000, throwOnRequestTimeout: true },
        { requestTimeout: 700 },
      ).request,
    ).toBe(700);
    expect(
      effectiveTimeouts(
        'NodeHttpHandler',
        { connectionTimeout: 1000, defaultSocketTimeout: 30_000 },
        undefined,
      ),
    ).toEqual({ request: 0, connection: 1000, socket: 30_000 });
    expect(
      effectiveTimeouts('NodeHttpHandler', { socketTimeout: 10, defaultSocketTimeout: 30_000 }, undefined)
        .socket,
    ).toBe(10);
  });

  it('HTTP/2 and fetch: requestTimeout only (socket and connection timeouts ignored); junk reads as none', () => {
    const config = { requestTimeout: 4000, connectionTimeout: 1000, socketTimeout: 1000 };
    expect(effectiveTimeouts('NodeHttp2Handler', config, undefined)).toEqual({
      request: 4000,
      connection: 0,
      socket: 0,
    });
    expect(effectiveTimeouts('FetchHttpHandler', config, undefined)).toEqual({
      request: 4000,
      connection: 0,
      socket: 0,
    });
    expect(
      effectiveTimeouts('FetchHttpHandler', { requestTimeout: Number.NaN }, { requestTimeout: 'x' }),
    ).toEqual({
      request: 0,
      connection: 0,
      socket: 0,
    });
  });
});

describe('the wrapped handle', () => {
  const cache = createRequire(import.meta.url).cache;
  const KEY = '/virtual/fake-http-handler/dist-cjs/index.js';
  afterEach(() => {
    unpatchHandlerTimeouts();
    delete cache[KEY];
    diag.disable();
  });

  function fakeModule(config: unknown) {
    class NodeHttpHandler {
      get config(): unknown {
        if (config === 'throw') throw new Error('config getter broken on purpose');
        return config;
      }
      handle(this: unknown, ...args: unknown[]) {
        return { self: this, request: args[0], options: args[1], args: args.length };
      }
    }
    cache[KEY] = { exports: { NodeHttpHandler } } as unknown as NodeJS.Module;
    return NodeHttpHandler;
  }

  function scope(): AttemptScope {
    return {
      attempt: 1,
      span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT),
      tracer: trace.getTracer('t'),
      facts: new Map(),
    };
  }

  it('records the limits on the attempt, and returns what the handler returns, with the same arguments', async () => {
    const Handler = fakeModule({ requestTimeout: 2500, throwOnRequestTimeout: true, connectionTimeout: 900 });
    patchHandlerTimeouts();
    patchHandlerTimeouts();
    const handler = new Handler();
    const s = scope();
    const out = runInAttemptScope(s, () => handler.handle('req', { requestTimeout: undefined }));
    expect(out).toEqual({ self: handler, request: 'req', options: { requestTimeout: undefined }, args: 2 });
    await Promise.resolve();
    expect(Object.fromEntries(s.facts)).toEqual({
      'wirescope.timeout.request_ms': 2500,
      'wirescope.timeout.connection_ms': 900,
      'wirescope.timeout.socket_ms': 0,
    });
    unpatchHandlerTimeouts();
    expect(Handler.prototype.handle.name).toBe('handle');
  });

  it('a config that throws, or no attempt scope: the call goes on, nothing recorded, the failure logged', () => {
    const logged: string[] = [];
    const record = (...args: unknown[]) => logged.push(args.map(String).join(' '));
    const logger: DiagLogger = { error: record, warn: record, info: record, debug: record, verbose: record };
    diag.setLogger(logger, DiagLogLevel.WARN);
    const Handler = fakeModule('throw');
    patchHandlerTimeouts();
    const handler = new Handler();
    const s = scope();
    expect(runInAttemptScope(s, () => handler.handle('req'))).toMatchObject({ request: 'req', args: 1 });
    expect(s.facts.size).toBe(0);
    expect(logged).toEqual([
      '@wirescope/aws-sdk reading the handler timeouts failed; the SDK call goes on unobserved Error: config getter broken on purpose',
    ]);
    expect(new (fakeModule({}))().handle('outside')).toMatchObject({ request: 'outside' });
  });
});
