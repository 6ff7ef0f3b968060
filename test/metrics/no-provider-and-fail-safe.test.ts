// Issue 14: no MeterProvider registered, no metric work (spies on the API's noop meter and its
// instruments over real calls); one registered after the plugin was made is picked up from the next
// call; a MeterProvider whose meter or instruments throw changes nothing the host sees, and diag
// says why. Real s3rver over HTTPS, real SDK on both handlers.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createNoopMeter, type Meter, type MeterProvider, metrics } from '@opentelemetry/api';
import { wirescope } from '@wirescope/aws-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createS3Client } from '../support/clients.js';
import { settle, watchHost, workload } from '../support/fail-safe.js';
import { createTestMetrics, total } from '../support/metrics.js';
import { createTestBucket, type S3ServerHandle, startS3Server } from '../support/s3-server.js';

const BUCKET = 'metrics-no-provider';
const host = watchHost();
let server: S3ServerHandle;

beforeAll(async () => {
  metrics.disable();
  server = await startS3Server();
  const setup = createS3Client(server.endpoint);
  await createTestBucket(setup, BUCKET);
  setup.destroy();
});
afterEach(() => {
  vi.restoreAllMocks();
  metrics.disable();
});
afterAll(async () => {
  metrics.disable();
  await server.close();
});

describe.each(['node', 'fetch'] as const)('%s handler', (handler) => {
  it('no MeterProvider: no instrument made, nothing recorded; a later global one counts from the next call', async () => {
    // The API's noop meter and instruments are singletons: what the plugin would get without a provider.
    const noop = createNoopMeter();
    const noopInstruments = [
      noop.createCounter('c'),
      noop.createHistogram('h'),
      noop.createUpDownCounter('u'),
    ];
    const created = (
      [
        'createCounter',
        'createHistogram',
        'createUpDownCounter',
        'createGauge',
        'createObservableUpDownCounter',
        'createObservableGauge',
        'createObservableCounter',
      ] as const
    ).map((method) => vi.spyOn(noop, method));
    const recorded = noopInstruments.map((instrument) =>
      'record' in instrument ? vi.spyOn(instrument, 'record') : vi.spyOn(instrument, 'add'),
    );
    const lookups = vi.spyOn(metrics, 'getMeterProvider');
    const client = createS3Client(server.endpoint, { handler });
    client.middlewareStack.use(wirescope());
    for (let i = 0; i < 3; i++)
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `none-${i}`, Body: 'x' }));
    // Looked up once per call (so a provider registered later is seen), nothing made or recorded.
    expect(lookups).toHaveBeenCalledTimes(3);
    for (const spy of [...created, ...recorded]) expect(spy).not.toHaveBeenCalled();
    // Off before the SDK comes in: its reader measures itself through the global (noop) meter.
    vi.restoreAllMocks();

    const registered = createTestMetrics();
    expect(metrics.setGlobalMeterProvider(registered.provider)).toBe(true);
    for (let i = 0; i < 2; i++)
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `later-${i}`, Body: 'x' }));
    client.destroy();
    expect(total(await registered.points('wirescope.calls'))).toBe(2);
    expect(total(await registered.points('wirescope.attempts'))).toBe(2);
    metrics.disable();
    await registered.shutdown();
  });

  it('a MeterProvider whose getMeter throws: the same results as without the plugin, logged', async () => {
    const baseline = await workload(createS3Client(server.endpoint, { handler }), BUCKET);
    host.diagMessages.length = 0;
    const meterProvider: MeterProvider = {
      getMeter: () => {
        throw new Error('meter exploded');
      },
    };
    const client = createS3Client(server.endpoint, { handler });
    client.middlewareStack.use(wirescope({ meterProvider }));
    expect(await workload(client, BUCKET)).toEqual(baseline);
    await settle();
    expect(host.hostFailures).toEqual([]);
    // Logged once: the provider is then remembered as one that records nothing.
    const failures = host.diagMessages.filter((m) => m.includes('creating the metric instruments failed'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('meter exploded');
  });

  it('instruments that throw on every add and record: the same results, each failure logged', async () => {
    const baseline = await workload(createS3Client(server.endpoint, { handler }), BUCKET);
    host.diagMessages.length = 0;
    const explode = () => {
      throw new Error('instrument exploded');
    };
    const instrument = { add: explode, record: explode };
    const meter = {
      createCounter: () => instrument,
      createHistogram: () => instrument,
      createObservableUpDownCounter: () => ({ addCallback: () => undefined }),
      createObservableCounter: () => ({ addCallback: () => undefined }),
    } as unknown as Meter;
    const client = createS3Client(server.endpoint, { handler });
    client.middlewareStack.use(wirescope({ meterProvider: { getMeter: () => meter } }));
    expect(await workload(client, BUCKET)).toEqual(baseline);
    await settle();
    expect(host.hostFailures).toEqual([]);
    const failed = (what: string) => host.diagMessages.filter((m) => m.includes(`${what} failed`)).length;
    // Three calls (put, get, the failing get), one attempt each (a 404 is not retried).
    expect(failed('recording the call metrics')).toBe(3);
    expect(failed('recording the attempt metrics')).toBe(3);
    expect(host.diagMessages.every((m) => !m.includes('failed') || m.includes('instrument exploded'))).toBe(
      true,
    );
  });
});
