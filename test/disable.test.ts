// Issue 15: disableWirescope() removes every process-wide hook the plugin installed (the addRequest
// patch, undici's diagnostics channels, the attempt-scope storage), calls then make no wirescope span,
// and enableWirescope() brings it all back. Real calls on s3rver, both handlers.
import diagnosticsChannel from 'node:diagnostics_channel';
import http from 'node:http';
import https from 'node:https';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { disableWirescope, enableWirescope, wirescope } from '@wirescope/aws-sdk';
import { HttpConnectionInstrumentation } from '@wirescope/instrumentation-http';
import { UndiciConnectionInstrumentation } from '@wirescope/instrumentation-undici';
import { ATTR_CONNECTION_ID, ATTR_CONNECTION_REUSED, SPAN_TLS_HANDSHAKE } from '@wirescope/semconv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { useS3Fixture } from './support/s3-fixture.js';
import { attr, spansNamed } from './support/span-query.js';

/** `Agent.prototype.addRequest`: internal to node:http (not in @types/node), the function wirescope patches. */
const addRequest = () => (http.Agent.prototype as unknown as { addRequest: unknown }).addRequest;
const httpsAddRequest = () => (https.Agent.prototype as unknown as { addRequest: unknown }).addRequest;
// Taken before any plugin exists: what disable() must give back.
const ORIGINAL_ADD_REQUEST = addRequest();
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
] as const;
const SCOPE_STORAGE_KEY = Symbol.for('wirescope.attempt-scope-storage');

const tracing = createTestTracing();
const BUCKET = 'disable';
const s3 = useS3Fixture(BUCKET, tracing);
const clients: S3Client[] = [];

beforeEach(() => enableWirescope());
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

function tracedClient(handler: 'node' | 'fetch', endpoint = s3.server.endpoint): S3Client {
  const client = createS3Client(endpoint, { handler });
  client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  clients.push(client);
  return client;
}

function subscribedChannels(): string[] {
  return UNDICI_CHANNELS.filter((name) => diagnosticsChannel.channel(name).hasSubscribers);
}

function hooksInstalled() {
  return {
    addRequestPatched: addRequest() !== ORIGINAL_ADD_REQUEST,
    httpsInherits: httpsAddRequest() === addRequest(),
    channels: subscribedChannels(),
    scopeStorage: (globalThis as Record<symbol, unknown>)[SCOPE_STORAGE_KEY] !== undefined,
  };
}

/** Two puts and a get on one client; what the application sees, for comparison. */
async function calls(client: S3Client, key: string) {
  const put = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'payload' }));
  const again = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'payload!' }));
  const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return {
    statuses: [put, again, got].map((r) => r.$metadata.httpStatusCode),
    body: await got.Body?.transformToString(),
  };
}

it('installs nothing before a plugin exists', () => {
  expect(hooksInstalled()).toEqual({
    addRequestPatched: false,
    httpsInherits: true,
    channels: [],
    scopeStorage: false,
  });
});

describe.each(['node', 'fetch'] as const)('disableWirescope() on the %s handler', (handler) => {
  it('restores addRequest, unsubscribes every channel, and the next calls make no span', async () => {
    const client = tracedClient(handler);
    const traced = await calls(client, `${handler}-a`);
    expect(hooksInstalled()).toEqual({
      addRequestPatched: true,
      httpsInherits: true,
      channels: [...UNDICI_CHANNELS],
      // No context manager registered in this file: the scope travels in our AsyncLocalStorage.
      scopeStorage: true,
    });
    expect(spansNamed(tracing.spans(), 'S3.PutObject')).toHaveLength(2);
    tracing.reset();

    disableWirescope();
    expect(addRequest()).toBe(ORIGINAL_ADD_REQUEST);
    expect(hooksInstalled()).toEqual({
      addRequestPatched: false,
      httpsInherits: true,
      channels: [],
      scopeStorage: false,
    });
    // The same client (its plugin still in the stack) and a plugin added after disable().
    const late = tracedClient(handler);
    expect(await calls(client, `${handler}-b`)).toEqual(traced);
    expect(await calls(late, `${handler}-c`)).toEqual(traced);
    expect(tracing.spans()).toEqual([]);
    // Creating a plugin while disabled installs nothing.
    expect(addRequest()).toBe(ORIGINAL_ADD_REQUEST);
    expect(subscribedChannels()).toEqual([]);
    expect(hooksInstalled().scopeStorage).toBe(false);
  });

  it('is idempotent and never throws; enableWirescope() brings spans and connection facts back', async () => {
    const client = tracedClient(handler);
    disableWirescope();
    expect(() => disableWirescope()).not.toThrow();
    expect(() => disableWirescope()).not.toThrow();
    await calls(client, `${handler}-d`);
    expect(tracing.spans()).toEqual([]);

    enableWirescope();
    expect(() => enableWirescope()).not.toThrow();
    expect(hooksInstalled().addRequestPatched).toBe(true);
    expect(subscribedChannels()).toEqual([...UNDICI_CHANNELS]);
    // A fresh client on a fresh origin (undici pools per origin across clients): the first call opens
    // a connection; handshakes and reuse match the connections the proxy really accepted.
    const proxy = await s3.proxy();
    const fresh = tracedClient(handler, `https://localhost:${proxy.port}`);
    await calls(fresh, `${handler}-e`);
    const spans = tracing.spans();
    const attempts = [
      ...spansNamed(spans, 'S3.PutObject attempt'),
      ...spansNamed(spans, 'S3.GetObject attempt'),
    ];
    expect(attempts).toHaveLength(3);
    expect(attr(attempts[0]!, ATTR_CONNECTION_REUSED)).toBe(false);
    for (const a of attempts) expect(attr(a, ATTR_CONNECTION_ID)).toMatch(/^c\d+-\d+$/);
    const connections = proxy.connectionsAccepted;
    expect(spansNamed(spans, SPAN_TLS_HANDSHAKE)).toHaveLength(connections);
    expect(attempts.filter((a) => attr(a, ATTR_CONNECTION_REUSED) === true)).toHaveLength(3 - connections);
  });
});

describe('disableWirescope() beside other subscribers and registered instrumentations', () => {
  it("leaves another subscriber's channel subscription in place", async () => {
    const seen: string[] = [];
    const theirs = () => seen.push('headers');
    diagnosticsChannel.subscribe('undici:request:headers', theirs);
    try {
      const client = tracedClient('fetch');
      await calls(client, 'other-a');
      disableWirescope();
      expect(subscribedChannels()).toEqual(['undici:request:headers']);
      seen.length = 0;
      tracing.reset();
      await calls(client, 'other-b');
      expect(seen).toHaveLength(3);
      expect(tracing.spans()).toEqual([]);
    } finally {
      diagnosticsChannel.unsubscribe('undici:request:headers', theirs);
    }
    expect(subscribedChannels()).toEqual([]);
  });

  it('keeps the hooks an instrumentation registered by the app needs until its own disable()', async () => {
    const httpInstrumentation = new HttpConnectionInstrumentation();
    const undiciInstrumentation = new UndiciConnectionInstrumentation();
    const client = tracedClient('node');
    await calls(client, 'inst-a');
    disableWirescope();
    expect(hooksInstalled().addRequestPatched).toBe(true);
    expect(subscribedChannels()).toEqual([...UNDICI_CHANNELS]);
    // The plugin is off: no span even though the instrumentations still listen.
    tracing.reset();
    await calls(client, 'inst-b');
    expect(tracing.spans()).toEqual([]);

    httpInstrumentation.disable();
    undiciInstrumentation.disable();
    expect(() => httpInstrumentation.disable()).not.toThrow();
    expect(() => undiciInstrumentation.disable()).not.toThrow();
    expect(addRequest()).toBe(ORIGINAL_ADD_REQUEST);
    expect(subscribedChannels()).toEqual([]);
  });
});
