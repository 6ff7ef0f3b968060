// Issue 14, outside the SDK plugin: HttpConnectionInstrumentation and UndiciConnectionInstrumentation
// with a `meterProvider` record connection metrics for plain https.get and fetch, with no tracer
// provider and no active span at all; new connections counted against the proxy's own count.
import https from 'node:https';
import { HttpConnectionInstrumentation } from '@wirescope/instrumentation-http';
import { UndiciConnectionInstrumentation } from '@wirescope/instrumentation-undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestMetrics, total } from '../support/metrics.js';
import { type S3ServerHandle, startS3Server } from '../support/s3-server.js';
import { startTcpProxy, type TcpProxyHandle } from '../support/tcp-proxy.js';

const REQUESTS = 4;
let server: S3ServerHandle;
const proxies: TcpProxyHandle[] = [];

beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await server.close();
});

async function freshProxy(): Promise<TcpProxyHandle> {
  const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: server.port } });
  proxies.push(proxy);
  return proxy;
}

function get(agent: https.Agent, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: 'localhost', port, path: '/', agent }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

describe('connection instrumentations on their own, with a meterProvider', () => {
  it('node:https: phases per new connection, idle then closed connections', async () => {
    const metrics = createTestMetrics();
    const instrumentation = new HttpConnectionInstrumentation({ meterProvider: metrics.provider });
    const proxy = await freshProxy();
    const agent = new https.Agent({ keepAlive: true });
    try {
      for (let i = 0; i < REQUESTS; i++) expect(await get(agent, proxy.port)).toBe(200);
      const connections = proxy.connectionsAccepted;
      expect(connections).toBe(1);
      const phases = await metrics.points('wirescope.connection.phase.duration');
      for (const phase of ['dns', 'tcp', 'tls'])
        expect(total(phases, { 'wirescope.phase': phase, 'server.address': 'localhost' })).toBe(connections);
      // No SDK call: none of the call or attempt metrics.
      expect(await metrics.points('wirescope.calls')).toEqual([]);
      expect(total(await metrics.points('smithy.client.http.connections.acquire_duration'))).toBe(REQUESTS);
      const open = await metrics.points('http.client.open_connections');
      expect(total(open, { 'http.connection.state': 'idle' })).toBe(connections);
      agent.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(total(await metrics.points('http.client.open_connections'))).toBe(0);
      expect(total(await metrics.points('http.client.connection.duration'))).toBe(connections);
    } finally {
      instrumentation.disable();
      await metrics.shutdown();
    }
  });

  it('fetch: phases per new connection, requests no longer in flight', async () => {
    const metrics = createTestMetrics();
    const instrumentation = new UndiciConnectionInstrumentation({ meterProvider: metrics.provider });
    const proxy = await freshProxy();
    try {
      for (let i = 0; i < REQUESTS; i++) {
        const response = await fetch(`https://localhost:${proxy.port}/`);
        expect(response.status).toBe(200);
        await response.text();
      }
      const connections = proxy.connectionsAccepted;
      expect(connections).toBeGreaterThanOrEqual(1);
      const phases = await metrics.points('wirescope.connection.phase.duration');
      expect(total(phases, { 'wirescope.phase': 'tls', 'wirescope.http.handler': 'fetch' })).toBe(
        connections,
      );
      expect(total(await metrics.points('smithy.client.http.requests.usage'), { state: 'in-flight' })).toBe(
        0,
      );
      expect(total(await metrics.points('smithy.client.http.connections.acquire_duration'))).toBe(REQUESTS);
    } finally {
      instrumentation.disable();
      await metrics.shutdown();
    }
  });
});
