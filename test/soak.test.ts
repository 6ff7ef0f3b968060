// Issue 7: a short soak. Many calls with socket churn on both handlers under a low
// events.defaultMaxListeners: no MaxListenersExceededWarning, listener counts constant, nothing lost;
// and disable() on the instrumentations removes every hook and subscription. (bench/soak.ts runs the
// same workload for minutes and watches the heap.)
import diagnosticsChannel from 'node:diagnostics_channel';
import events from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { FetchHttpHandler } from '@smithy/fetch-http-handler';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { wirescope } from '@wirescope/aws-sdk';
import { HttpConnectionInstrumentation } from '@wirescope/instrumentation-http';
import { UndiciConnectionInstrumentation } from '@wirescope/instrumentation-undici';
import { SPAN_TCP_CONNECT, SPAN_TLS_HANDSHAKE } from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeS3Handle, startFakeS3 } from '../bench/fake-s3-server.js';
import { runSoak } from '../bench/soak-workload.js';
import { createS3Client } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { spansNamed } from './support/span-query.js';
import { testCertificate } from './support/tls-cert.js';

// 3, as the issue asks. Over TLS, Node itself puts up to 5 'close' listeners on a TLSSocket under
// this workload, with or without wirescope (measured: the bare SDK warns at 3 and at 4): TLS's
// onSocketCloseDestroySSL, the agent's onClose, the request's socketCloseListener, net's pending
// write-before-connect, one more. The TLS runs therefore allow exactly that baseline.
const MAX_LISTENERS = 3;
const MAX_LISTENERS_TLS = 5;
events.defaultMaxListeners = MAX_LISTENERS;
const maxListenerWarnings: Error[] = [];
const onWarning = (warning: Error) => {
  if (warning.name === 'MaxListenersExceededWarning') maxListenerWarnings.push(warning);
};
process.on('warning', onWarning);

const UNDICI_CHANNELS = [
  'undici:request:create',
  'undici:client:beforeConnect',
  'undici:client:connected',
  'undici:client:connectError',
  'undici:client:sendHeaders',
  'undici:request:bodySent',
  'undici:request:headers',
  'undici:request:trailers',
  'undici:request:error',
];
const CLOSE_EVERY = 7;
const tracing = createTestTracing();
const servers: Partial<Record<'http' | 'https', FakeS3Handle>> = {};

beforeAll(async () => {
  // Every 7th response says `Connection: close`: sockets churn all the time.
  servers.http = await startFakeS3({ closeEvery: CLOSE_EVERY });
  servers.https = await startFakeS3({ tls: testCertificate(), closeEvery: CLOSE_EVERY });
});
afterAll(async () => {
  process.off('warning', onWarning);
  events.defaultMaxListeners = 10;
  await servers.http?.close();
  await servers.https?.close();
  await tracing.shutdown();
});

// First, before any wirescope() call installs the plugin's process-wide consumers.
describe('disable() removes every hook and subscription', () => {
  it('node:http: addRequest is restored', () => {
    // addRequest is real but undocumented, hence not in @types/node.
    const proto = http.Agent.prototype as unknown as { addRequest: unknown };
    const original = proto.addRequest;
    const instrumentation = new HttpConnectionInstrumentation();
    expect(proto.addRequest).not.toBe(original);
    instrumentation.disable();
    expect(proto.addRequest).toBe(original);
  });

  it('undici: every diagnostics channel is unsubscribed', () => {
    const subscribed = () =>
      UNDICI_CHANNELS.filter((name) => diagnosticsChannel.channel(name).hasSubscribers);
    expect(subscribed()).toEqual([]);
    const instrumentation = new UndiciConnectionInstrumentation();
    expect(subscribed().length).toBeGreaterThan(0);
    instrumentation.disable();
    expect(subscribed()).toEqual([]);
  });
});

/** Listener counts of the process and of the agent, and the most listeners any pooled socket has per event. */
function listenerSnapshot(agent?: http.Agent): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.eventNames()) counts[`process:${String(name)}`] = process.listenerCount(name);
  if (agent) {
    for (const name of agent.eventNames()) counts[`agent:${String(name)}`] = agent.listenerCount(name);
    for (const sockets of Object.values(agent.freeSockets)) {
      for (const socket of sockets ?? []) {
        for (const name of socket.eventNames()) {
          const key = `socket:${String(name)}`;
          counts[key] = Math.max(counts[key] ?? 0, socket.listenerCount(name));
        }
      }
    }
  }
  return counts;
}

describe.each([
  ['node', 'http'],
  ['node', 'https'],
  ['fetch', 'http'],
  ['fetch', 'https'],
] as const)('soak with socket churn, %s handler over %s', (handler, protocol) => {
  it('no MaxListenersExceededWarning, listener counts constant, nothing lost', async () => {
    events.defaultMaxListeners = protocol === 'https' ? MAX_LISTENERS_TLS : MAX_LISTENERS;
    maxListenerWarnings.length = 0;
    const server = servers[protocol]!;
    const agent =
      handler !== 'node'
        ? undefined
        : protocol === 'https'
          ? new https.Agent({ keepAlive: true })
          : new http.Agent({ keepAlive: true });
    const requestHandler =
      handler === 'fetch'
        ? new FetchHttpHandler()
        : new NodeHttpHandler(
            protocol === 'https' ? { httpsAgent: agent as https.Agent } : { httpAgent: agent },
          );
    const client = createS3Client(server.endpoint, { requestHandler });
    client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
    const newConnectionSpan = protocol === 'https' ? SPAN_TLS_HANDSHAKE : SPAN_TCP_CONNECT;

    // Warm up, then take the reference snapshot (between calls: sockets idle in the pool).
    await runSoak(client, { durationMs: 500, bucket: 'soak' });
    const before = listenerSnapshot(agent);
    tracing.reset();

    const calls = await runSoak(client, { durationMs: 2_500, bucket: 'soak' });
    const after = listenerSnapshot(agent);
    const spans = tracing.spans();
    const count = (name: string) => spansNamed(spans, name).length;
    client.destroy();

    // No speed floor (speed is measured by the benches): enough calls for the churn check below.
    expect(calls).toBeGreaterThanOrEqual(CLOSE_EVERY);
    expect(maxListenerWarnings.map((w) => w.message)).toEqual([]);
    expect(after).toEqual(before);
    // Nothing lost: every call has its operation span and at least one attempt span.
    expect(count('S3.PutObject') + count('S3.GetObject')).toBe(calls);
    expect(count('S3.PutObject attempt') + count('S3.GetObject attempt')).toBeGreaterThanOrEqual(calls);
    // The churn was real: about one new connection per CLOSE_EVERY requests.
    expect(count(newConnectionSpan)).toBeGreaterThan(calls / CLOSE_EVERY / 2);
  });
});
