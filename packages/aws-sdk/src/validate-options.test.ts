import { describe, expect, it } from 'vitest';
import { WirescopeConfigError } from './index.js';
import { wirescope } from './plugin.js';
import type { WirescopeOptions } from './types.js';
import { validateWirescopeOptions } from './validate-options.js';

// Issue 13: a bad option throws where the plugin is created, with a stable code, the option's name and
// the fix; the message pinned whole, one case per kind of mistake.
const provider = { getTracer: () => ({}) as never };

function thrownBy(options: unknown): WirescopeConfigError {
  try {
    wirescope(options as WirescopeOptions);
  } catch (error) {
    return error as WirescopeConfigError;
  }
  throw new Error('wirescope() did not throw');
}

describe('wirescope(options): accepted', () => {
  it('no options, undefined, null and {} give the defaults', () => {
    expect(validateWirescopeOptions(undefined)).toEqual({});
    expect(validateWirescopeOptions(null)).toEqual({});
    expect(validateWirescopeOptions({})).toEqual({});
  });

  it('a full, valid option set passes unchanged (fields left undefined take their default)', () => {
    const full: WirescopeOptions = {
      tracerProvider: provider,
      meterProvider: { getMeter: () => ({}) as never },
      callerRegion: 'us-east-1',
      s3KeyPrefixLength: 8,
      detectCallerRegion: { endpoint: 'http://127.0.0.1:1338', timeoutMs: 250 },
      maxRememberedBuckets: 0,
      nodeHttp: false,
      fetch: true,
      http2: false,
    };
    expect(validateWirescopeOptions(full)).toEqual(full);
    expect(validateWirescopeOptions({ detectCallerRegion: true, callerRegion: undefined })).toEqual({
      detectCallerRegion: true,
    });
    expect(validateWirescopeOptions({ detectCallerRegion: {} })).toEqual({ detectCallerRegion: {} });
  });

  it('reads each field once: a getter cannot hand the plugin another value later', () => {
    let reads = 0;
    const options = {
      get s3KeyPrefixLength() {
        reads++;
        return reads === 1 ? 4 : -1;
      },
    };
    expect(validateWirescopeOptions(options)).toEqual({ s3KeyPrefixLength: 4 });
    expect(reads).toBe(1);
  });
});

describe('wirescope(options): a bad option throws WirescopeConfigError, code WIRESCOPE_BAD_OPTION', () => {
  it.each<[string, unknown, string, string]>([
    [
      'not an object',
      42,
      'options',
      '@wirescope/aws-sdk: options must be an object or left out, got 42 (a number).',
    ],
    [
      'a string',
      'x',
      'options',
      '@wirescope/aws-sdk: options must be an object or left out, got "x" (a string).',
    ],
    ['an array', [], 'options', '@wirescope/aws-sdk: options must be an object or left out, got an array.'],
    [
      'an unknown key, near a known one',
      { tracerprovider: provider },
      'tracerprovider',
      '@wirescope/aws-sdk: unknown option tracerprovider (did you mean tracerProvider?); the options are ' +
        'tracerProvider, meterProvider, stageDurations, callerRegion, s3KeyPrefixLength, detectCallerRegion, ' +
        'maxRememberedBuckets, nodeHttp, fetch, http2.',
    ],
    [
      'an unknown key, near none',
      { sampleRate: 0.5 },
      'sampleRate',
      '@wirescope/aws-sdk: unknown option sampleRate; the options are tracerProvider, meterProvider, ' +
        'stageDurations, callerRegion, s3KeyPrefixLength, detectCallerRegion, maxRememberedBuckets, nodeHttp, ' +
        'fetch, http2.',
    ],
    [
      'a tracerProvider without getTracer (its type only: a provider may hold credentials)',
      { tracerProvider: { apiKey: 'secret-key-123' } },
      'tracerProvider',
      '@wirescope/aws-sdk: option tracerProvider must be an OpenTelemetry TracerProvider, an object with ' +
        'a getTracer function (default: the global one), got an object.',
    ],
    [
      'a meterProvider without getMeter (its type only: a provider may hold credentials)',
      { meterProvider: { endpoint: 'https://user:secret@metrics.example' } },
      'meterProvider',
      '@wirescope/aws-sdk: option meterProvider must be an OpenTelemetry MeterProvider, an object with ' +
        'a getMeter function (default: the global one), got an object.',
    ],
    [
      'a meterProvider that is a function',
      { meterProvider: () => undefined },
      'meterProvider',
      '@wirescope/aws-sdk: option meterProvider must be an OpenTelemetry MeterProvider, an object with ' +
        'a getMeter function (default: the global one), got a function.',
    ],
    [
      'a stageDurations that is a string',
      { stageDurations: 'yes' },
      'stageDurations',
      '@wirescope/aws-sdk: option stageDurations must be true or false (default false), got "yes" (a string).',
    ],
    [
      'a callerRegion that is no region name',
      { callerRegion: '' },
      'callerRegion',
      "@wirescope/aws-sdk: option callerRegion must be a region name such as 'us-east-1' (default: " +
        'AWS_REGION, then AWS_DEFAULT_REGION), got "" (a string).',
    ],
    [
      'a negative s3KeyPrefixLength',
      { s3KeyPrefixLength: -1 },
      's3KeyPrefixLength',
      '@wirescope/aws-sdk: option s3KeyPrefixLength must be an integer ≥ 0 (characters of S3 keys to ' +
        'record; default 0, none), got -1 (a number).',
    ],
    [
      'a fractional maxRememberedBuckets',
      { maxRememberedBuckets: 1.5 },
      'maxRememberedBuckets',
      '@wirescope/aws-sdk: option maxRememberedBuckets must be an integer ≥ 0 (S3 buckets whose region ' +
        'to remember; default 1000, 0 none), got 1.5 (a number).',
    ],
    [
      'a boolean given as a string',
      { nodeHttp: 'no' },
      'nodeHttp',
      '@wirescope/aws-sdk: option nodeHttp must be true or false (default true), got "no" (a string).',
    ],
    [
      'http2 given as a number',
      { http2: 1 },
      'http2',
      '@wirescope/aws-sdk: option http2 must be true or false (default true), got 1 (a number).',
    ],
    [
      'detectCallerRegion of the wrong type',
      { detectCallerRegion: 'yes' },
      'detectCallerRegion',
      '@wirescope/aws-sdk: option detectCallerRegion must be true, false or { endpoint?, timeoutMs? } ' +
        '(default false), got "yes" (a string).',
    ],
    [
      'a detectCallerRegion.endpoint that is no URL (its type only: a URL may carry credentials)',
      { detectCallerRegion: { endpoint: 'user:pw@169.254.169.254' } },
      'detectCallerRegion.endpoint',
      '@wirescope/aws-sdk: option detectCallerRegion.endpoint must be an http:// or https:// URL ' +
        '(default AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254), got a string.',
    ],
    [
      'a detectCallerRegion.timeoutMs out of range',
      { detectCallerRegion: { timeoutMs: 0 } },
      'detectCallerRegion.timeoutMs',
      '@wirescope/aws-sdk: option detectCallerRegion.timeoutMs must be a number of milliseconds from 1 ' +
        'to 2147483647 (bounds the whole lookup; default 1000), got 0 (a number).',
    ],
    [
      'an unknown key in detectCallerRegion',
      { detectCallerRegion: { timeout: 100 } },
      'detectCallerRegion.timeout',
      '@wirescope/aws-sdk: unknown option detectCallerRegion.timeout (did you mean ' +
        'detectCallerRegion.timeoutMs?); the options are ' +
        'detectCallerRegion.endpoint, detectCallerRegion.timeoutMs.',
    ],
  ])('%s', (_kind, options, option, message) => {
    const error = thrownBy(options);
    expect(error).toBeInstanceOf(WirescopeConfigError);
    expect(error.name).toBe('WirescopeConfigError');
    expect(error.code).toBe('WIRESCOPE_BAD_OPTION');
    expect(error.option).toBe(option);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain('secret-key-123');
    expect(error.message).not.toContain('pw@');
  });

  it('an options getter that throws: the host’s own error passes through unchanged', () => {
    const own = new Error('options getter exploded');
    const options = new Proxy(
      {},
      {
        get() {
          throw own;
        },
      },
    );
    expect(() => wirescope(options)).toThrow(own);
  });
});
