// Issue 15: options from untyped code. `wirescope(null)` threw a TypeError into the host; any value
// now gives a working plugin, checked with real calls against the local s3rver.

import type { S3Client } from '@aws-sdk/client-s3';
import { type WirescopeOptions, wirescope } from '@wirescope/aws-sdk';
import { describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { settle, workload as sharedWorkload, watchHost } from './support/fail-safe.js';
import { createTestTracing } from './support/otel.js';
import { useS3Fixture } from './support/s3-fixture.js';
import { spansNamed } from './support/span-query.js';

// Registered: without a usable `tracerProvider` option the plugin uses the global one.
const tracing = createTestTracing({ register: true });
const BUCKET = 'options-misuse';
const s3 = useS3Fixture(BUCKET, tracing);
const { hostFailures } = watchHost();
const workload = (client: S3Client) => sharedWorkload(client, BUCKET);

const throwingGetter = new Proxy(
  {},
  {
    get() {
      throw new Error('options getter exploded');
    },
  },
);

describe('wirescope(<anything>) (issue 15)', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['42', 42],
    ["'x'", 'x'],
    ['true', true],
    ['a function', () => 1],
    ['an array', []],
    [
      'fields of the wrong type',
      {
        tracerProvider: 42,
        callerRegion: 7,
        maxRememberedBuckets: 'x',
        s3KeyPrefixLength: {},
        nodeHttp: 'no',
      },
    ],
    ['an object whose getters throw', throwingGetter],
  ])(
    '%s: no throw at call time, the calls return what they return without it, spans made',
    async (_name, options) => {
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
    },
  );
});
