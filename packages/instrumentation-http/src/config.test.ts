import { describe, expect, it } from 'vitest';
import { HttpConnectionInstrumentation, type HttpConnectionInstrumentationConfig } from './index.js';

// Issue 13: a bad option throws at construction and in setConfig, with the stable code and the fix.
function thrownBy(make: () => unknown): { code?: string; option?: string; message: string; name: string } {
  try {
    make();
  } catch (error) {
    return error as { code?: string; option?: string; message: string; name: string };
  }
  throw new Error('did not throw');
}

describe('HttpConnectionInstrumentation config', () => {
  it('accepts no config, null and a full valid one', () => {
    expect(() => new HttpConnectionInstrumentation({ enabled: false })).not.toThrow();
    const full: HttpConnectionInstrumentationConfig = {
      enabled: false,
      recordOnActiveSpan: false,
      ignoreRequestHook: () => false,
      bodyGracePeriodMs: 0,
    };
    const instrumentation = new HttpConnectionInstrumentation(full);
    expect(instrumentation.getConfig()).toEqual(full);
    instrumentation.setConfig(null);
    expect(instrumentation.getConfig()).toEqual({ enabled: true, recordOnActiveSpan: true });
  });

  it.each<[string, unknown, string, string]>([
    [
      'a boolean given as a string',
      { enabled: 'false' },
      'enabled',
      '@wirescope/instrumentation-http: option enabled must be true or false (default true), got "false" (a string).',
    ],
    [
      'a hook that is no function',
      { ignoreRequestHook: true },
      'ignoreRequestHook',
      '@wirescope/instrumentation-http: option ignoreRequestHook must be a function (returns true to record ' +
        'nothing for a request), got true (a boolean).',
    ],
    [
      'a grace period out of range',
      { bodyGracePeriodMs: Number.POSITIVE_INFINITY },
      'bodyGracePeriodMs',
      '@wirescope/instrumentation-http: option bodyGracePeriodMs must be a number of milliseconds from 0 to ' +
        '2147483647 (before an unread body ends as unread; default 5000), got Infinity (a number).',
    ],
    [
      'an unknown key',
      { recordOnActiveSpans: false },
      'recordOnActiveSpans',
      '@wirescope/instrumentation-http: unknown option recordOnActiveSpans (did you mean recordOnActiveSpan?); ' +
        'the options are enabled, recordOnActiveSpan, ignoreRequestHook, bodyGracePeriodMs, meterProvider.',
    ],
    [
      'a meterProvider without getMeter (its type only: a provider may hold credentials)',
      { meterProvider: { headers: { authorization: 'Bearer secret' } } },
      'meterProvider',
      '@wirescope/instrumentation-http: option meterProvider must be an OpenTelemetry MeterProvider, an ' +
        'object with a getMeter function (default: the global one), got an object.',
    ],
    [
      'not an object',
      'x',
      'options',
      '@wirescope/instrumentation-http: options must be an object or left out, got "x" (a string).',
    ],
  ])(
    '%s: the constructor and setConfig throw, code WIRESCOPE_BAD_OPTION',
    (_kind, config, option, message) => {
      for (const error of [
        thrownBy(() => new HttpConnectionInstrumentation(config as HttpConnectionInstrumentationConfig)),
        thrownBy(() =>
          new HttpConnectionInstrumentation({ enabled: false }).setConfig(
            config as HttpConnectionInstrumentationConfig,
          ),
        ),
      ]) {
        expect(error.name).toBe('WirescopeConfigError');
        expect(error.code).toBe('WIRESCOPE_BAD_OPTION');
        expect(error.option).toBe(option);
        expect(error.message).toBe(message);
      }
    },
  );

  it('a refused setConfig leaves the config as it was', () => {
    const instrumentation = new HttpConnectionInstrumentation({ enabled: false, bodyGracePeriodMs: 10 });
    expect(() => instrumentation.setConfig({ bodyGracePeriodMs: -1 })).toThrow(/bodyGracePeriodMs/);
    expect(instrumentation.getConfig().bodyGracePeriodMs).toBe(10);
  });
});
