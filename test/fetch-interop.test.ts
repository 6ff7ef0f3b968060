// Issue 3 interop: NodeSDK (@opentelemetry/sdk-node) with OpenTelemetry's own instrumentations beside
// the wirescope plugin on FetchHttpHandler. The trace must stay one tree per call: their HTTP spans
// under our attempt spans, no orphan roots, the same span counts run after run.
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CALLS,
  expectOneTreePerCall,
  OTEL_UNDICI,
  rootsOf,
  run,
  spanCounts,
  spanTree,
  startSdk,
  stopSdk,
  WIRESCOPE,
} from './support/otel-interop.js';

afterEach(stopSdk);
// NodeSDK with require hooks makes loading the AWS SDK slow on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

describe('NodeSDK + @opentelemetry/instrumentation-undici + instrumentation-http', () => {
  it('with the plugin: one tree per call, their undici span under our attempt, same counts twice', async () => {
    const exporter = startSdk([new UndiciInstrumentation(), new HttpInstrumentation()]);
    const first = await run(exporter, true);
    expectOneTreePerCall(first, 'S3.PutObject', WIRESCOPE);
    const second = await run(exporter, true);
    expect(spanCounts(second)).toEqual(spanCounts(first));
    console.info(`explicit, with plugin:\n${spanTree(first)}`);
  });

  it('without the plugin: their spans alone, no wirescope span, same counts twice', async () => {
    const exporter = startSdk([new UndiciInstrumentation(), new HttpInstrumentation()]);
    const first = await run(exporter, false);
    expect(first.filter((s) => s.instrumentationScope.name === WIRESCOPE)).toEqual([]);
    expect(first.filter((s) => s.instrumentationScope.name === OTEL_UNDICI)).toHaveLength(CALLS);
    expect(rootsOf(first).map((r) => r.instrumentationScope.name)).toEqual(Array(CALLS).fill(OTEL_UNDICI));
    const second = await run(exporter, false);
    expect(spanCounts(second)).toEqual(spanCounts(first));
  });
});
