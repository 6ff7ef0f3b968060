// Issue 3 interop with @opentelemetry/auto-instrumentations-node minus instrumentation-net and -dns.
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { PHASE_SPAN_NAMES } from '@wirescope/semconv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectOneTreePerCall, run, spanCounts, startSdk, stopSdk } from './support/otel-interop.js';

// A file of its own: instrumentation-aws-sdk patches the AWS SDK when it is first loaded, which happens
// once per test process (run() imports it after the SDK started).
afterEach(stopSdk);
// NodeSDK with require hooks makes loading the AWS SDK slow on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

describe('NodeSDK + getNodeAutoInstrumentations()', () => {
  it('with instrumentation-net and -dns disabled: no duplicate phase names at all', async () => {
    const exporter = startSdk([
      getNodeAutoInstrumentations({
        '@opentelemetry/instrumentation-net': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
      }),
    ]);
    const first = await run(exporter, true);
    expectOneTreePerCall(first, 'S3.PutObject', '@opentelemetry/instrumentation-aws-sdk');
    for (const name of PHASE_SPAN_NAMES) expect(first.filter((s) => s.name === name)).toHaveLength(1);
    const second = await run(exporter, true);
    expect(spanCounts(second)).toEqual(spanCounts(first));
  });
});
