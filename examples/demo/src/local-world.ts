// The embedded stand-in for AWS: s3rver over HTTPS, one latency proxy per region pair, a proxy that
// drops idle connections, and a wrong-region front that answers like S3 does for a bucket that lives
// elsewhere. These are the project's own test servers (test/support), imported rather than copied:
// one piece of code for the tests and the demo.
import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createS3Client } from '../../../test/support/clients.js';
import { createTestBucket, startS3Server } from '../../../test/support/s3-server.js';
import { startTcpProxy, type TcpProxyHandle } from '../../../test/support/tcp-proxy.js';
import { testCertificate } from '../../../test/support/tls-cert.js';
import { rttMs } from './rtt.js';

/** Where a scenario's requests go, by the region the request is signed for. */
export type RegionRoutes = Record<string, { port: number }>;

/** The running local servers. */
export interface LocalWorld {
  /** A proxy to s3rver with latency = RTT(from, to) / 2 each way (cached per pair). */
  proxyTo(from: string, to: string): Promise<TcpProxyHandle>;
  /** A proxy to s3rver that RSTs a connection when the client writes after `idleMs` of silence. */
  droppingProxy(from: string, to: string, idleMs: number): Promise<TcpProxyHandle>;
  /** A proxy to the wrong-region front (301 PermanentRedirect naming `bucketRegion`). */
  wrongRegionFront(from: string, to: string, bucketRegion: string): Promise<TcpProxyHandle>;
  /** Creates a bucket on s3rver (directly, untraced). */
  createBucket(name: string): Promise<void>;
  /** `127.0.0.1:PORT` of s3rver. */
  readonly s3Address: string;
  /** What each local port stands for (`the us-west-2 stand-in`), for the findings' text. */
  readonly portLabels: ReadonlyMap<number, string>;
  /** Stops everything. */
  close(): Promise<void>;
}

/** Starts s3rver (HTTPS, the test certificate) and returns the factory of proxies in front of it. */
export async function startLocalWorld(): Promise<LocalWorld> {
  const s3 = await startS3Server();
  const closers: Array<() => Promise<void>> = [];
  const proxies = new Map<string, Promise<TcpProxyHandle>>();
  const portLabels = new Map<number, string>();
  const target = { host: '127.0.0.1', port: s3.port };

  const track = async (started: Promise<TcpProxyHandle>, label: string) => {
    const proxy = await started;
    closers.push(() => proxy.close());
    portLabels.set(proxy.port, label);
    return proxy;
  };
  const standIn = (from: string, to: string) =>
    from === to ? `the ${to} stand-in` : `the ${to} stand-in (from ${from})`;

  return {
    s3Address: `127.0.0.1:${s3.port}`,
    portLabels,
    async createBucket(name) {
      const client = createS3Client(s3.endpoint);
      try {
        await createTestBucket(client, name);
      } finally {
        client.destroy();
      }
    },
    proxyTo(from, to) {
      const key = `${from}>${to}`;
      let proxy = proxies.get(key);
      if (!proxy) {
        proxy = track(startTcpProxy({ target, latencyMs: rttMs(from, to) / 2 }), standIn(from, to));
        proxies.set(key, proxy);
      }
      return proxy;
    },
    droppingProxy(from, to, idleMs) {
      return track(
        startTcpProxy({ target, latencyMs: rttMs(from, to) / 2, resetAfterIdleMs: idleMs }),
        `${standIn(from, to)} that drops idle sockets`,
      );
    },
    async wrongRegionFront(from, to, bucketRegion) {
      const front = await startWrongRegionFront(bucketRegion);
      closers.push(front.close);
      return track(
        startTcpProxy({ target: { host: '127.0.0.1', port: front.port }, latencyMs: rttMs(from, to) / 2 }),
        `the ${to} endpoint (answers 301: the bucket is in ${bucketRegion})`,
      );
    },
    async close() {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      await s3.close();
    },
  };
}

/**
 * S3's answer to a request sent to the wrong region's endpoint: 301 PermanentRedirect with
 * `x-amz-bucket-region`. s3rver has no notion of regions, so this tiny HTTPS server plays the
 * us-east-1 endpoint of a bucket that lives in `bucketRegion`.
 */
async function startWrongRegionFront(
  bucketRegion: string,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = https.createServer(testCertificate(), (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(301, { 'content-type': 'application/xml', 'x-amz-bucket-region': bucketRegion });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code>' +
          '<Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message>' +
          `<Endpoint>s3.${bucketRegion}.amazonaws.com</Endpoint></Error>`,
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      const closed = once(server, 'close');
      server.close();
      await closed;
    },
  };
}
