// Issue 3 interop with @opentelemetry/auto-instrumentations-node, default configuration.
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import {
  ATTR_CONNECTION_ID,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  expectOneTreePerCall,
  run,
  spanCounts,
  startSdk,
  stopSdk,
  WIRESCOPE,
} from './support/otel-interop.js';

// A file of its own: instrumentation-aws-sdk patches the AWS SDK when it is first loaded, which happens
// once per test process (run() imports it after the SDK started).
afterEach(stopSdk);
// NodeSDK with require hooks makes loading the AWS SDK slow on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

describe('NodeSDK + getNodeAutoInstrumentations()', () => {
  it('defaults: one tree per call; instrumentation-dns/-net add same-named spans, told apart by our attributes', async () => {
    const exporter = startSdk([getNodeAutoInstrumentations()]);
    const first = await run(exporter, true);
    // instrumentation-aws-sdk wraps the call in its own span (also named S3.PutObject): it is the root.
    expectOneTreePerCall(first, 'S3.PutObject', '@opentelemetry/instrumentation-aws-sdk');
    // The duplicates, as they are: instrumentation-dns's dns.lookup and instrumentation-net's
    // tcp.connect (under its tls.connect) sit beside ours under the same attempt. Ours are the ones
    // carrying wirescope.connection.id (and the plugin's instrumentation scope).
    for (const name of [SPAN_DNS_LOOKUP, SPAN_TCP_CONNECT]) {
      const named = first.filter((s) => s.name === name);
      expect(named, name).toHaveLength(2);
      const mine = named.filter((s) => s.attributes[ATTR_CONNECTION_ID] !== undefined);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.instrumentationScope.name).toBe(WIRESCOPE);
    }
    expect(first.filter((s) => s.name === SPAN_TLS_HANDSHAKE)).toHaveLength(1);
    const second = await run(exporter, true);
    expect(spanCounts(second)).toEqual(spanCounts(first));
    console.info(`auto (defaults), with plugin:\n${JSON.stringify(spanCounts(first), null, 1)}`);
  });
});
