// Issue 14: bounded cardinality. 10,000 distinct buckets and keys, virtual-hosted on AWS-style hosts
// (`bucket-N.s3.us-west-2.amazonaws.com`, resolved to a local server by the agent's own lookup, so no
// DNS and no network), each on a new connection: every metric keeps a fixed, small number of series.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { wirescope } from '@wirescope/aws-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CREDENTIALS } from '../support/clients.js';
import { createTestMetrics } from '../support/metrics.js';

const CALLS = 10_000;
const CONCURRENCY = 16;

let server: http.Server;
let port: number;
let requests = 0;
let connections = 0;

beforeAll(async () => {
  // Answers every PutObject and closes the connection, so each call opens (and measures) a new one.
  server = http.createServer((request, response) => {
    requests++;
    request.resume();
    request.on('end', () => response.writeHead(200, { ETag: '"e"', Connection: 'close' }).end());
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

// Every name resolves to the local server: the lookup still runs (and is measured) for each host.
// Answered on a later turn, as a real lookup is (a synchronous answer comes before any listener).
type LookupCallback = (error: Error | null, address: unknown, family?: number) => void;
function loopbackLookup(_host: string, options: { all?: boolean }, callback: LookupCallback): void {
  setImmediate(() => {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  });
}

// One series per metric, two for the phases (dns, tcp: plain HTTP has no tls) and for the pool gauges
// (each reports both of its states for the one endpoint, 0 included): every call succeeded on a new
// connection of the one endpoint. No queue wait (the agent has no socket limit), no reset, no redirect,
// no error, no 100-continue: those metrics have no series at all.
const EXPECTED_SERIES = {
  'dns.lookup.duration': 1,
  'http.client.connection.duration': 1,
  'http.client.open_connections': 2,
  'http.client.request.duration': 1,
  'smithy.client.call.attempt_duration': 1,
  'smithy.client.call.attempts': 1,
  'smithy.client.call.duration': 1,
  'smithy.client.http.bytes_received': 1,
  'smithy.client.http.bytes_sent': 1,
  'smithy.client.http.connections.acquire_duration': 1,
  'smithy.client.http.connections.uptime': 1,
  'smithy.client.http.connections.usage': 2,
  'smithy.client.http.requests.usage': 2,
  'wirescope.attempts': 1,
  'wirescope.calls': 1,
  'wirescope.connection.phase.duration': 2,
  // Zero series (no reset, no redirect reads as 0): one per attempt series and one per call series.
  'wirescope.region.redirects': 1,
  'wirescope.socket.resets': 1,
};

describe('10,000 buckets and keys', () => {
  it('give a fixed number of series per metric', { timeout: 240_000 }, async () => {
    const metrics = createTestMetrics();
    const agent = new http.Agent({ keepAlive: true, lookup: loopbackLookup as never });
    const client = new S3Client({
      region: 'us-west-2',
      endpoint: `http://s3.us-west-2.amazonaws.com:${port}`,
      credentials: { ...TEST_CREDENTIALS },
      requestHandler: new NodeHttpHandler({ httpAgent: agent }),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      maxAttempts: 1,
    });
    client.middlewareStack.use(wirescope({ meterProvider: metrics.provider, callerRegion: 'us-west-2' }));
    let next = 0;
    const worker = async () => {
      while (next < CALLS) {
        const i = next++;
        await client.send(
          new PutObjectCommand({ Bucket: `bucket-${i}`, Key: `key-${i}/${i * 7}`, Body: 'x' }),
        );
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    client.destroy();
    // The last sockets' 'close' (which takes them out of the open-connection counts) is a turn later.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requests).toBe(CALLS);
    expect(connections).toBe(CALLS);

    const seriesByMetric: Record<string, number> = {};
    for (const name of await metrics.names()) seriesByMetric[name] = (await metrics.points(name)).length;
    expect(seriesByMetric).toEqual(EXPECTED_SERIES);
    const addresses = new Set<unknown>();
    for (const name of await metrics.names())
      for (const point of await metrics.points(name)) {
        addresses.add(point.attributes['server.address'] ?? point.attributes['dns.question.name']);
        for (const value of Object.values(point.attributes))
          expect(String(value)).not.toMatch(/bucket-|key-/);
      }
    // smithy.client.call.* and the redirects carry rpc.service and rpc.method (and regions), no address.
    expect([...addresses].sort()).toEqual(['s3.us-west-2.amazonaws.com', undefined]);
    const [calls] = await metrics.points('wirescope.calls');
    expect(calls?.value).toBe(CALLS);
    expect(calls?.attributes).toEqual({
      'rpc.service': 'S3',
      'rpc.method': 'PutObject',
      'cloud.region': 'us-west-2',
      'wirescope.caller.region': 'us-west-2',
      'wirescope.region.mismatch': false,
    });
    const phases = await metrics.points('wirescope.connection.phase.duration');
    expect(phases.map((point) => [point.attributes['wirescope.phase'], point.count]).sort()).toEqual([
      ['dns', CALLS],
      ['tcp', CALLS],
    ]);
    // Every connection closed: none open, none idle.
    expect((await metrics.points('http.client.open_connections')).map((point) => point.value)).toEqual([
      0, 0,
    ]);
    await metrics.shutdown();
  });
});
