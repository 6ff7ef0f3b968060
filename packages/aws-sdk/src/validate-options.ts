import { checkOptions, METER_PROVIDER_RULE, type OptionRule, rules } from '@wirescope/instrumentation';
import type { WirescopeOptions } from './types.js';

const COMPONENT = '@wirescope/aws-sdk';

const isPlainObject = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const DETECT_CALLER_REGION_RULES: Readonly<Record<string, OptionRule>> = {
  endpoint: {
    accepts:
      'an http:// or https:// URL (default AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254)',
    test: (value) => typeof value === 'string' && /^https?:\/\/[^/\s]/i.test(value) && URL.canParse(value),
    // A URL can carry credentials.
    secret: true,
  },
  timeoutMs: rules.milliseconds(1, 'bounds the whole lookup; default 1000'),
};

const OPTION_RULES: Readonly<Record<keyof WirescopeOptions, OptionRule>> = {
  tracerProvider: {
    accepts: 'an OpenTelemetry TracerProvider, an object with a getTracer function (default: the global one)',
    test: (value) =>
      isPlainObject(value) && typeof (value as { getTracer?: unknown }).getTracer === 'function',
    secret: true,
  },
  meterProvider: METER_PROVIDER_RULE,
  stageDurations: rules.boolean(false),
  callerRegion: {
    accepts: "a region name such as 'us-east-1' (default: AWS_REGION, then AWS_DEFAULT_REGION)",
    test: (value) => typeof value === 'string' && /^\S+$/.test(value),
  },
  s3KeyPrefixLength: rules.integer(0, 'characters of S3 keys to record; default 0, none'),
  detectCallerRegion: {
    accepts: 'true, false or { endpoint?, timeoutMs? } (default false)',
    // The object's own fields throw their own, more precise, error.
    test: (value) =>
      typeof value === 'boolean' ||
      (isPlainObject(value) &&
        checkOptions(COMPONENT, value, DETECT_CALLER_REGION_RULES, 'detectCallerRegion.') !== undefined),
  },
  maxRememberedBuckets: rules.integer(0, 'S3 buckets whose region to remember; default 1000, 0 none'),
  nodeHttp: rules.boolean(true),
  fetch: rules.boolean(true),
  http2: rules.boolean(true),
};

/**
 * The options of `wirescope()`, checked where the plugin is created: `undefined` and `null` read as
 * no options; anything else that is not an object, an unknown key or a field of the wrong type or
 * range throws a `WirescopeConfigError` naming the option and what it accepts (issue 13).
 */
export function validateWirescopeOptions(given: unknown): WirescopeOptions {
  return checkOptions<WirescopeOptions>(COMPONENT, given, OPTION_RULES);
}
