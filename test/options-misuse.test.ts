// Options from untyped code. Issue 15: `wirescope(null)` threw a TypeError into the host, from deep in
// the plugin. Issue 13: configuration time is the one place a throw is right, so a bad value now throws
// where the plugin is created, a WirescopeConfigError with a stable code and the fix; a call never
// throws. `undefined`, `null` and `{}` are no options: a working plugin, checked with real calls
// against the local s3rver. Every kind of bad option, message pinned: packages/aws-sdk/src/validate-options.test.ts.

import type { S3Client } from '@aws-sdk/client-s3';
import { type WirescopeOptions, wirescope } from '@wirescope/aws-sdk';
import { describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { settle, workload as sharedWorkload, watchHost } from './support/fail-safe.js';
import { createTestTracing } from './support/otel.js';
import { useS3Fixture } from './support/s3-fixture.js';
import { spansNamed } from './support/span-query.js';

// Registered: without a `tracerProvider` option the plugin uses the global one.
const tracing = createTestTracing({ register: true });
const BUCKET = 'options-misuse';
const s3 = useS3Fixture(BUCKET, tracing);
const { hostFailures } = watchHost();
const workload = (client: S3Client) => sharedWorkload(client, BUCKET);

describe('wirescope(<no options>)', () => {
  it.each<[string, unknown]>([
    ['nothing', undefined],
    ['null', null],
    ['{}', {}],
    ['fields left undefined', { tracerProvider: undefined, callerRegion: undefined }],
  ])('%s: the calls return what they return without it, spans made', async (_name, options) => {
    const bare = await workload(createS3Client(s3.server.endpoint));
    tracing.reset();
    const client = createS3Client(s3.server.endpoint);
    expect(() => client.middlewareStack.use(wirescope(options as WirescopeOptions))).not.toThrow();
    const traced = await workload(client);
    expect(traced).toEqual(bare);
    await settle();
    expect(hostFailures).toEqual([]);
    expect(spansNamed(tracing.spans(), 'S3.GetObject')).toHaveLength(2);
    expect(spansNamed(tracing.spans(), 'S3.PutObject')).toHaveLength(1);
  });
});

describe('wirescope(<bad options>) throws at construction (issue 13)', () => {
  it.each<[string, unknown, string]>([
    ['42', 42, '@wirescope/aws-sdk: options must be an object or left out, got 42 (a number).'],
    ["'x'", 'x', '@wirescope/aws-sdk: options must be an object or left out, got "x" (a string).'],
    ['true', true, '@wirescope/aws-sdk: options must be an object or left out, got true (a boolean).'],
    ['a function', () => 1, '@wirescope/aws-sdk: options must be an object or left out, got a function.'],
    ['an array', [], '@wirescope/aws-sdk: options must be an object or left out, got an array.'],
    [
      'fields of the wrong type (the first one named; a provider by its type only)',
      {
        tracerProvider: 42,
        callerRegion: 7,
        maxRememberedBuckets: 'x',
        s3KeyPrefixLength: {},
        nodeHttp: 'no',
      },
      '@wirescope/aws-sdk: option tracerProvider must be an OpenTelemetry TracerProvider, an object with ' +
        'a getTracer function (default: the global one), got a number.',
    ],
  ])(
    '%s: WirescopeConfigError, code WIRESCOPE_BAD_OPTION, the fix in the message',
    async (_name, options, message) => {
      tracing.reset();
      const client = createS3Client(s3.server.endpoint);
      expect(() => client.middlewareStack.use(wirescope(options as WirescopeOptions))).toThrow(
        expect.objectContaining({ name: 'WirescopeConfigError', code: 'WIRESCOPE_BAD_OPTION', message }),
      );
      // Nothing half-installed: the client, without the plugin, calls as before and makes no span.
      const bare = await workload(createS3Client(s3.server.endpoint));
      expect(await workload(client)).toEqual(bare);
      await settle();
      expect(hostFailures).toEqual([]);
      expect(spansNamed(tracing.spans(), 'S3.GetObject')).toHaveLength(0);
    },
  );

  it('an object whose getters throw: the host’s own error, unchanged, at construction', () => {
    const exploded = new Error('options getter exploded');
    const throwingGetter = new Proxy(
      {},
      {
        get() {
          throw exploded;
        },
      },
    );
    expect(() => wirescope(throwingGetter)).toThrow(exploded);
  });
});
