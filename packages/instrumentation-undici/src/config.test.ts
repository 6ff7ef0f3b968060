import { describe, expect, it } from 'vitest';
import { UndiciConnectionInstrumentation, type UndiciConnectionInstrumentationConfig } from './index.js';

// Issue 13: a bad option throws at construction and in setConfig, with the stable code and the fix.
function thrownBy(make: () => unknown): { code?: string; option?: string; message: string; name: string } {
  try {
    make();
  } catch (error) {
    return error as { code?: string; option?: string; message: string; name: string };
  }
  throw new Error('did not throw');
}

describe('UndiciConnectionInstrumentation config', () => {
  it('accepts no config, null and a full valid one', () => {
    const full: UndiciConnectionInstrumentationConfig = {
      enabled: false,
      recordOnActiveSpan: false,
      bodyGracePeriodMs: 2_147_483_647,
    };
    const instrumentation = new UndiciConnectionInstrumentation(full);
    expect(instrumentation.getConfig()).toEqual(full);
    instrumentation.setConfig(null);
    expect(instrumentation.getConfig()).toEqual({
      enabled: true,
      recordOnActiveSpan: true,
      bodyGracePeriodMs: undefined,
    });
  });

  it.each<[string, unknown, string, string]>([
    [
      'a boolean given as a number',
      { recordOnActiveSpan: 0 },
      'recordOnActiveSpan',
      '@wirescope/instrumentation-undici: option recordOnActiveSpan must be true or false (default true), ' +
        'got 0 (a number).',
    ],
    [
      'a grace period that is no number',
      { bodyGracePeriodMs: '5000' },
      'bodyGracePeriodMs',
      '@wirescope/instrumentation-undici: option bodyGracePeriodMs must be a number of milliseconds from 0 ' +
        'to 2147483647 (before an unread body ends as unread; default 5000), got "5000" (a string).',
    ],
    [
      'an option of the http instrumentation',
      { ignoreRequestHook: () => false },
      'ignoreRequestHook',
      '@wirescope/instrumentation-undici: unknown option ignoreRequestHook; the options are enabled, ' +
        'recordOnActiveSpan, bodyGracePeriodMs, meterProvider.',
    ],
    [
      'a meterProvider that is a string',
      { meterProvider: 'otlp' },
      'meterProvider',
      '@wirescope/instrumentation-undici: option meterProvider must be an OpenTelemetry MeterProvider, an ' +
        'object with a getMeter function (default: the global one), got a string.',
    ],
    [
      'not an object',
      42,
      'options',
      '@wirescope/instrumentation-undici: options must be an object or left out, got 42 (a number).',
    ],
  ])(
    '%s: the constructor and setConfig throw, code WIRESCOPE_BAD_OPTION',
    (_kind, config, option, message) => {
      for (const error of [
        thrownBy(() => new UndiciConnectionInstrumentation(config as UndiciConnectionInstrumentationConfig)),
        thrownBy(() =>
          new UndiciConnectionInstrumentation({ enabled: false }).setConfig(
            config as UndiciConnectionInstrumentationConfig,
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
});
