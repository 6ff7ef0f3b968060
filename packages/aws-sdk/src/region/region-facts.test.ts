import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { HandlerExecutionContext } from '@smithy/types';
import {
  ATTR_BUCKET_REGION,
  ATTR_CALLER_REGION,
  ATTR_CLIENT_REGION,
  ATTR_CLOUD_REGION,
  ATTR_REGION_MISMATCH,
  ATTR_REGION_REDIRECTS,
  EVENT_REGION_MISMATCH,
  EVENT_REGION_REDIRECT,
} from '@wirescope/semconv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperationState } from '../operation-state.js';
import { finishRegionFacts, recordAttemptRegion, startRegionFacts } from '../region-facts.js';
import { resolveOptions } from '../resolve-options.js';

// The region bookkeeping on its own, with a real OTel SDK and hand-made smithy contexts, for the cases
// a local server cannot produce (no signing region, non-S3 services, the SDK's own redirect marker).
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const saved = new Map<string, string | undefined>();

beforeEach(() => {
  for (const key of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
    saved.set(key, process.env[key]);
    delete process.env[key];
  }
});
afterEach(() => {
  for (const [key, value] of saved) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  exporter.reset();
});

function newCall(service: string, input: object, options = resolveOptions({ tracerProvider: provider })) {
  const state: OperationState = {
    span: options.tracer().startSpan(`${service}.Op`),
    names: { service, operation: 'Op', spanName: `${service}.Op`, attemptSpanName: `${service}.Op attempt` },
    attempts: 0,
    bucketRegion: undefined,
    firstSigningRegion: undefined,
    lastSigningRegion: undefined,
    pendingRedirect: false,
    secretSources: [],
    metrics: undefined,
    redirects: 0,
    region: undefined,
  };
  startRegionFacts(options, state, {} as HandlerExecutionContext, input);
  return { state, options };
}

function context(
  host: string | undefined,
  signingRegion?: string,
  extra: object = {},
): HandlerExecutionContext {
  return {
    ...(host ? { endpointV2: { url: new URL(`https://${host}/`) } } : {}),
    ...(signingRegion
      ? {
          __smithy_context: {
            selectedHttpAuthScheme: { httpAuthOption: { signingProperties: { signingRegion } } },
          },
        }
      : {}),
    ...extra,
  } as HandlerExecutionContext;
}

function finish(call: ReturnType<typeof newCall>) {
  finishRegionFacts(call.options, call.state);
  call.state.span.end();
  const spans = exporter.getFinishedSpans();
  return spans[spans.length - 1]!;
}

describe('region facts', () => {
  it('without a signing region, the endpoint host names the target (DynamoDB in eu-west-1)', () => {
    process.env['AWS_REGION'] = 'us-east-1';
    const call = newCall('DynamoDB', {});
    recordAttemptRegion(call.state, context('dynamodb.eu-west-1.amazonaws.com'), 200, {});
    const span = finish(call);
    expect(span.attributes[ATTR_CLOUD_REGION]).toBe('eu-west-1');
    expect(span.attributes[ATTR_CLIENT_REGION]).toBe('eu-west-1');
    expect(span.attributes[ATTR_CALLER_REGION]).toBe('us-east-1');
    expect(span.attributes[ATTR_REGION_MISMATCH]).toBe(true);
  });

  it('the signing region wins over the host (a custom endpoint names none)', () => {
    const call = newCall('DynamoDB', {});
    recordAttemptRegion(call.state, context('localhost', 'ap-south-1'), 200, {});
    expect(finish(call).attributes[ATTR_CLOUD_REGION]).toBe('ap-south-1');
  });

  it("the SigV4 auth option's own region names the target when no ruleset set signingRegion (Kinesis on a custom endpoint)", () => {
    const call = newCall('Kinesis', {});
    const signedFor = {
      __smithy_context: {
        selectedHttpAuthScheme: {
          httpAuthOption: { signingProperties: { name: 'kinesis', region: 'eu-north-1' } },
        },
      },
    };
    recordAttemptRegion(call.state, context('localhost', undefined, signedFor), 200, {});
    expect(finish(call).attributes[ATTR_CLOUD_REGION]).toBe('eu-north-1');
  });

  it('signingRegion wins over the auth option region (an S3 ruleset moved the signing region)', () => {
    const call = newCall('S3', { Bucket: 'b' });
    const signedFor = {
      __smithy_context: {
        selectedHttpAuthScheme: {
          httpAuthOption: { signingProperties: { signingRegion: 'us-east-1', region: 'us-west-2' } },
        },
      },
    };
    recordAttemptRegion(call.state, context('localhost', undefined, signedFor), 200, {});
    expect(finish(call).attributes[ATTR_CLOUD_REGION]).toBe('us-east-1');
  });

  it('no region anywhere: no cloud.region, no mismatch', () => {
    const call = newCall('DynamoDB', {});
    recordAttemptRegion(call.state, context('localhost'), 200, {});
    const span = finish(call);
    expect(span.attributes[ATTR_CLOUD_REGION]).toBeUndefined();
    expect(span.attributes[ATTR_REGION_MISMATCH]).toBe(false);
    expect(span.events).toHaveLength(0);
  });

  it('x-amz-bucket-region counts for S3 only, and must look like a region', () => {
    const dynamo = newCall('DynamoDB', {});
    recordAttemptRegion(dynamo.state, context(undefined, 'us-east-1'), 200, {
      'x-amz-bucket-region': 'eu-west-1',
    });
    expect(finish(dynamo).attributes[ATTR_BUCKET_REGION]).toBeUndefined();
    const junk = newCall('S3', { Bucket: 'b' });
    recordAttemptRegion(junk.state, context(undefined, 'us-east-1'), 200, { 'x-amz-bucket-region': '"><x' });
    expect(finish(junk).attributes[ATTR_BUCKET_REGION]).toBeUndefined();
  });

  it('client ≠ bucket and caller ≠ target are both named in one event', () => {
    const options = resolveOptions({ tracerProvider: provider, callerRegion: 'us-west-2' });
    const call = newCall('S3', { Bucket: 'b' }, options);
    recordAttemptRegion(call.state, context(undefined, 'us-east-1'), 200, {
      'x-amz-bucket-region': 'eu-west-1',
    });
    const span = finish(call);
    expect(span.attributes[ATTR_REGION_MISMATCH]).toBe(true);
    const event = span.events.find((e) => e.name === EVENT_REGION_MISMATCH);
    expect(event?.attributes).toEqual({
      [ATTR_CALLER_REGION]: 'us-west-2',
      [ATTR_CLOUD_REGION]: 'us-east-1',
      [ATTR_CLIENT_REGION]: 'us-east-1',
      [ATTR_BUCKET_REGION]: 'eu-west-1',
      'wirescope.region.disagreements':
        'caller us-west-2 ≠ target us-east-1; client us-east-1 ≠ bucket eu-west-1',
    });
  });

  it('a bucket region is remembered for the next call of the same plugin, bounded by maxRememberedBuckets', () => {
    const options = resolveOptions({ tracerProvider: provider, maxRememberedBuckets: 1 });
    const first = newCall('S3', { Bucket: 'one' }, options);
    recordAttemptRegion(first.state, context(undefined, 'us-east-1'), 403, {
      'x-amz-bucket-region': 'sa-east-1',
    });
    finish(first);
    const again = newCall('S3', { Bucket: 'one' }, options);
    expect(finish(again).attributes[ATTR_BUCKET_REGION]).toBe('sa-east-1');
    const other = newCall('S3', { Bucket: 'two' }, options);
    recordAttemptRegion(other.state, context(undefined, 'us-east-1'), 200, {
      'x-amz-bucket-region': 'us-east-1',
    });
    finish(other);
    expect(finish(newCall('S3', { Bucket: 'one' }, options)).attributes[ATTR_BUCKET_REGION]).toBeUndefined();
    // Another plugin has its own memory.
    expect(finish(newCall('S3', { Bucket: 'two' })).attributes[ATTR_BUCKET_REGION]).toBeUndefined();
  });

  it('301 marks a pending redirect; a 200 or a same-region 307 does not', () => {
    const moved = newCall('S3', { Bucket: 'b' });
    recordAttemptRegion(moved.state, context(undefined, 'us-east-1'), 301, {
      'x-amz-bucket-region': 'eu-west-1',
    });
    expect(moved.state.pendingRedirect).toBe(true);
    const ok = newCall('S3', { Bucket: 'b' });
    recordAttemptRegion(ok.state, context(undefined, 'eu-west-1'), 200, {
      'x-amz-bucket-region': 'eu-west-1',
    });
    expect(ok.state.pendingRedirect).toBe(false);
    const temporary = newCall('S3', { Bucket: 'b' });
    recordAttemptRegion(temporary.state, context(undefined, 'eu-west-1'), 307, {
      'x-amz-bucket-region': 'eu-west-1',
    });
    expect(temporary.state.pendingRedirect).toBe(false);
  });

  it("the SDK's redirect marker counts a redirect our reading of the answer missed, once", () => {
    const call = newCall('S3', { Bucket: 'b' });
    call.state.attempts = 1;
    recordAttemptRegion(call.state, context(undefined, 'us-east-1'), 500, {});
    call.state.attempts = 2;
    const redirected = context(undefined, 'eu-west-1', { __s3RegionRedirect: 'eu-west-1' });
    recordAttemptRegion(call.state, redirected, 200, {});
    call.state.attempts = 3;
    recordAttemptRegion(call.state, redirected, 200, {});
    const span = finish(call);
    expect(span.attributes[ATTR_REGION_REDIRECTS]).toBe(1);
    expect(span.events.filter((e) => e.name === EVENT_REGION_REDIRECT)).toHaveLength(1);
  });
});
