// The embedded stand-in for AWS: s3rver over HTTPS, one latency proxy per region pair, a proxy that
// drops idle connections, and a wrong-region front that answers like S3 does for a bucket that lives
// elsewhere. These are the project's own test servers (test/support), imported rather than copied:
// one piece of code for the tests and the demo.
import { createHash } from 'node:crypto';
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
  /** A proxy to s3rver that FINs a connection (no response) when the client writes after `idleMs` of silence. */
  finProxy(from: string, to: string, idleMs: number): Promise<TcpProxyHandle>;
  /** A proxy to s3rver that holds the first reply of each connection `holdMs` (a lost ServerHello). */
  lossyProxy(from: string, to: string, holdMs: number): Promise<TcpProxyHandle>;
  /**
   * A proxy to a front of s3rver that answers after `thinkMs` and, with `limit`, 503 SlowDown to a busy
   * key prefix; with `neverContinue` it never answers 100-continue, with `neverAnswer` nothing at all.
   */
  s3Front(from: string, to: string, front: FrontOptions): Promise<TcpProxyHandle>;
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

/** How the throttling front partitions keys and when it answers 503 SlowDown. */
export interface PrefixLimit {
  /** Characters of the object key that make its prefix (the partition). */
  prefixLength: number;
  /** Requests of one prefix in flight at once beyond which the front answers 503 SlowDown. */
  maxInFlight: number;
}

/** What the front of s3rver adds: S3's own time to answer, and throttling per key prefix. */
export interface FrontOptions {
  /** Waits this long before passing a request on (S3's time to answer, which s3rver lacks). */
  thinkMs?: number;
  /** Answers 503 SlowDown beyond this (no throttling when absent). */
  limit?: PrefixLimit;
  /** Never answers `Expect: 100-continue` (the client sends the body when its own timer fires). */
  neverContinue?: boolean;
  /** Reads each request and never answers it (a hung peer). */
  neverAnswer?: boolean;
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
    finProxy(from, to, idleMs) {
      return track(
        startTcpProxy({ target, latencyMs: rttMs(from, to) / 2, finAfterIdleMs: idleMs }),
        `${standIn(from, to)} that closes idle sockets`,
      );
    },
    lossyProxy(from, to, holdMs) {
      return track(
        startTcpProxy({ target, latencyMs: rttMs(from, to) / 2, holdFirstReplyMs: holdMs }),
        `${standIn(from, to)} on a lossy path`,
      );
    },
    async s3Front(from, to, options) {
      const front = await startS3Front(s3.port, options);
      closers.push(front.close);
      const what = options.limit
        ? ' (throttled per key prefix)'
        : options.neverAnswer
          ? ' (never answers)'
          : options.neverContinue
            ? ' (never answers 100-continue)'
            : '';
      return track(
        startTcpProxy({ target: { host: '127.0.0.1', port: front.port }, latencyMs: rttMs(from, to) / 2 }),
        `${standIn(from, to)}${what}`,
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

/** Stops an HTTPS server and its connections. */
async function closeServer(server: https.Server): Promise<void> {
  server.closeAllConnections();
  const closed = once(server, 'close');
  server.close();
  await closed;
}

/**
 * A front of s3rver for what it lacks. S3 takes tens of ms to answer a PUT, s3rver a few (its time is
 * CPU, which a busy machine serializes; S3's is waiting, which concurrency overlaps): the front answers
 * PutObject itself (200 and the ETag, nothing stored) after `thinkMs`, and passes everything else on. S3 partitions its index by key prefix and answers `503 SlowDown` when one
 * prefix gets more requests than its partition takes (field report 001); with `limit`, a request whose
 * key prefix already has `maxInFlight` requests in flight gets 503 SlowDown. Path-style URLs:
 * `/bucket/key`.
 */
async function startS3Front(
  s3Port: number,
  options: FrontOptions,
): Promise<{ port: number; close: () => Promise<void> }> {
  const limit = options.limit ?? { prefixLength: 0, maxInFlight: Number.POSITIVE_INFINITY };
  const inFlight = new Map<string, number>();
  const { cert } = testCertificate();
  const upstreamAgent = new https.Agent({ keepAlive: true, ca: cert });
  const server = https.createServer(testCertificate(), (req, res) => {
    if (options.neverAnswer) {
      req.resume();
      return;
    }
    const path = (req.url ?? '/').split('?')[0] as string;
    const key = decodeURIComponent(path.split('/').slice(2).join('/'));
    const prefix = key.slice(0, limit.prefixLength);
    const busy = inFlight.get(prefix) ?? 0;
    if (key !== '' && busy >= limit.maxInFlight) {
      req.resume();
      req.on('end', () => {
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>' +
            '<Message>Please reduce your request rate.</Message></Error>',
        );
      });
      return;
    }
    inFlight.set(prefix, busy + 1);
    req.pause();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inFlight.set(prefix, (inFlight.get(prefix) ?? 1) - 1);
    };
    const forward = () => {
      const upstream = https.request(
        {
          host: '127.0.0.1',
          port: s3Port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent: upstreamAgent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', release);
        },
      );
      upstream.on('error', () => {
        release();
        res.destroy();
      });
      req.pipe(upstream);
    };
    // A PutObject is answered here, as S3 would, without storing: s3rver's CPU time per PUT would make
    // a burst measure this machine's CPU instead of the pool.
    const answerPut = () => {
      const md5 = createHash('md5');
      req.on('data', (chunk: Buffer) => md5.update(chunk));
      req.on('end', () => {
        res.writeHead(200, { etag: `"${md5.digest('hex')}"`, 'content-length': '0' });
        res.end();
        release();
      });
      req.resume();
    };
    res.on('close', release);
    const handle = req.method === 'PUT' && key !== '' ? answerPut : forward;
    if (options.thinkMs) setTimeout(handle, options.thinkMs);
    else handle();
  });
  // With a 'checkContinue' listener Node no longer answers 100 Continue by itself.
  if (options.neverContinue) server.on('checkContinue', (req, res) => server.emit('request', req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      upstreamAgent.destroy();
      await closeServer(server);
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
    close: () => closeServer(server),
  };
}
