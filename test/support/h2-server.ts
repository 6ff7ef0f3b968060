// A small HTTP/2 server (node:http2 over TLS, ALPN h2, the generated test certificate) that answers the
// S3 PutObject and GetObject calls of a path-style client, counts the sessions and streams it saw (its
// own truth, to pin the spans against), and misbehaves on demand: GOAWAY on an idle session or on an
// in-flight stream, RST_STREAM with a chosen code, a SETTINGS_MAX_CONCURRENT_STREAMS limit, a delay per
// response, a TCP reset in the middle of a request, a late (or no) 100 Continue. Used by
// test/http2-scenarios, -fail-safe, -sdk-pool (issue 17) and -expect-continue (issue 14).
import { once } from 'node:events';
import http2 from 'node:http2';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { testCertificate } from './tls-cert.js';

/** HTTP/2 error codes the scenarios send (RFC 9113 §7). */
export const H2_CODE = {
  NO_ERROR: http2.constants.NGHTTP2_NO_ERROR,
  INTERNAL_ERROR: http2.constants.NGHTTP2_INTERNAL_ERROR,
  REFUSED_STREAM: http2.constants.NGHTTP2_REFUSED_STREAM,
} as const;

/** When the server sends GOAWAY on a session. */
export interface GoawayRule {
  /** The GOAWAY error code. */
  code: number;
  /**
   * A number: once the session has had no open stream for this many ms (the timer restarts when a
   * stream arrives). `'next-stream'`: when a stream arrives on a session that has already answered
   * one, instead of answering it, with the last stream id before it, so the client's in-flight stream
   * is above the GOAWAY's last stream id (RFC 9113 §6.8: not processed, safe to retry). A GOAWAY sent
   * "right after the first response" would race the client's next request; this one hits it always.
   */
  when: number | 'next-stream';
}

/** What the server does; a test switches fields between calls (each applies to the streams after). */
export interface H2Behaviour {
  /** Delay before each response, ms. */
  delayMs: number;
  /** GOAWAY on an idle session, or on the next stream of a session that has answered one. */
  goaway?: GoawayRule;
  /** RST_STREAM with `code` on the next `count` streams, before any response (count goes down). */
  rstStream?: { code: number; count: number };
  /** Reset the TCP connection (RST) under the next `count` streams, before any response. */
  destroySocket?: { count: number };
  /** Reset the TCP connection (RST) of a session once it has had no open stream for this many ms. */
  resetIdleMs?: number;
  /**
   * A stream whose request says `Expect: 100-continue` gets a `100 Continue` this many ms (at least, by
   * performance.now()) after its headers came. Absent: none, as from a server that ignores the header
   * (the SDK then sends the body on its fallback timer).
   */
  continueDelayMs?: number;
}

/** Options fixed for the server's life. */
export interface H2ServerOptions {
  /** SETTINGS_MAX_CONCURRENT_STREAMS the server announces (absent: no limit). */
  maxConcurrentStreams?: number;
}

/** A running HTTP/2 server. */
export interface H2Server {
  port: number;
  /** `https://localhost:<port>`: a name, so a new session pays a DNS lookup. */
  endpoint: string;
  behaviour: H2Behaviour;
  /** HTTP/2 sessions (TLS connections with ALPN h2) accepted so far. */
  readonly sessions: number;
  /** Streams (requests) received so far, over all sessions. */
  readonly streams: number;
  /** GOAWAY frames sent so far, by code. */
  readonly goaways: readonly number[];
  /** RST_STREAM frames sent on purpose so far, by code. */
  readonly resets: readonly number[];
  /** TCP connections reset on purpose so far. */
  readonly socketsDestroyed: number;
  /** The most streams open at once on any one session so far. */
  readonly peakStreams: number;
  /** Streams whose request said `Expect: 100-continue`, so far. */
  readonly expectContinueStreams: number;
  /** Forgets the counts (not the stored objects). */
  resetCounts(): void;
  close(): Promise<void>;
}

interface SessionState {
  open: number;
  answered: number;
  idleTimer?: NodeJS.Timeout;
  goawaySent: boolean;
}

/** Runs `fn` once at least `ms` have passed by performance.now() (a timer may fire a little early). */
function afterAtLeast(ms: number, fn: () => void): void {
  const start = performance.now();
  const arm = (delay: number) =>
    setTimeout(() => {
      const left = ms - (performance.now() - start);
      if (left > 0) arm(Math.ceil(left));
      else fn();
    }, delay);
  arm(ms);
}

/** Starts the server on 127.0.0.1. Objects PUT are kept in memory and returned by GET. */
export async function startH2Server(options: H2ServerOptions = {}): Promise<H2Server> {
  const { key, cert } = testCertificate();
  const settings: http2.Settings = {};
  if (options.maxConcurrentStreams !== undefined)
    settings.maxConcurrentStreams = options.maxConcurrentStreams;
  const server = http2.createSecureServer({ key, cert, settings });
  const objects = new Map<string, Buffer>();
  const sessionsOpen = new Set<http2.ServerHttp2Session>();
  const state = new WeakMap<http2.ServerHttp2Session, SessionState>();
  // resetAndDestroy needs the TCP handle under the TLS socket: the raw socket by the client's port.
  const rawByPort = new Map<number, net.Socket>();
  const counts = { sessions: 0, streams: 0, socketsDestroyed: 0, peakStreams: 0, expectContinue: 0 };
  const goaways: number[] = [];
  const resets: number[] = [];

  const sendGoaway = (session: http2.ServerHttp2Session, code: number, lastStreamId?: number) => {
    const s = state.get(session);
    if (!s || s.goawaySent || session.destroyed || session.closed) return;
    s.goawaySent = true;
    goaways.push(code);
    session.goaway(code, lastStreamId);
    // A real server closes the connection after its GOAWAY; give the frame time to leave first.
    setTimeout(() => session.destroy(), 50).unref();
  };

  const resetSession = (session: http2.ServerHttp2Session) => {
    counts.socketsDestroyed++;
    const raw = rawByPort.get(session.socket.remotePort ?? -1);
    if (raw) raw.resetAndDestroy();
    session.destroy();
  };

  const armIdle = (session: http2.ServerHttp2Session, s: SessionState) => {
    if (s.open > 0) return;
    const { goaway: rule, resetIdleMs } = handle.behaviour;
    clearTimeout(s.idleTimer);
    if (resetIdleMs !== undefined) s.idleTimer = setTimeout(() => resetSession(session), resetIdleMs);
    else if (rule && rule.when !== 'next-stream') {
      s.idleTimer = setTimeout(() => sendGoaway(session, rule.code), rule.when);
    }
  };

  server.on('session', (session: http2.ServerHttp2Session) => {
    counts.sessions++;
    sessionsOpen.add(session);
    const s: SessionState = { open: 0, answered: 0, goawaySent: false };
    state.set(session, s);
    session.on('error', () => {});
    session.on('close', () => {
      clearTimeout(s.idleTimer);
      sessionsOpen.delete(session);
    });
    armIdle(session, s);
  });

  server.on('stream', (stream, headers) => {
    counts.streams++;
    const session = stream.session as http2.ServerHttp2Session;
    const s = state.get(session) as SessionState;
    clearTimeout(s.idleTimer);
    s.open++;
    counts.peakStreams = Math.max(counts.peakStreams, s.open);
    stream.on('error', () => {});
    stream.on('close', () => {
      s.open--;
      armIdle(session, s);
    });
    const goaway = handle.behaviour.goaway;
    if (goaway?.when === 'next-stream' && s.answered >= 1) {
      // Client stream ids are odd: the one before this is id - 2. The stream is left unanswered.
      sendGoaway(session, goaway.code, (stream.id ?? 1) - 2);
      return;
    }
    const continueDelay = handle.behaviour.continueDelayMs;
    const expectsContinue = String(headers.expect).toLowerCase() === '100-continue';
    if (expectsContinue) counts.expectContinue++;
    if (continueDelay !== undefined && expectsContinue) {
      afterAtLeast(continueDelay, () => {
        if (!stream.destroyed && !stream.headersSent) stream.additionalHeaders({ ':status': 100 });
      });
    }
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const behaviour = handle.behaviour;
      if (behaviour.rstStream && behaviour.rstStream.count > 0) {
        behaviour.rstStream.count--;
        resets.push(behaviour.rstStream.code);
        stream.close(behaviour.rstStream.code);
        return;
      }
      if (behaviour.destroySocket && behaviour.destroySocket.count > 0) {
        behaviour.destroySocket.count--;
        resetSession(session);
        return;
      }
      setTimeout(() => {
        if (stream.destroyed) return;
        answer(stream, headers, Buffer.concat(chunks));
        s.answered++;
      }, behaviour.delayMs);
    });
  });

  const answer = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, body: Buffer) => {
    const method = headers[':method'];
    // Path style: /<bucket>/<key>?x-id=…
    const path = decodeURIComponent(String(headers[':path'] ?? '/').split('?')[0] ?? '/');
    const requestId = `h2-${counts.streams}`;
    if (method === 'PUT') {
      objects.set(path, body);
      stream.respond({ ':status': 200, etag: `"etag-${body.length}"`, 'x-amz-request-id': requestId });
      stream.end();
      return;
    }
    const stored = objects.get(path);
    if (method === 'GET' && stored) {
      stream.respond({
        ':status': 200,
        'content-type': 'application/octet-stream',
        'content-length': String(stored.length),
        etag: `"etag-${stored.length}"`,
        'x-amz-request-id': requestId,
      });
      stream.end(stored);
      return;
    }
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>' +
      `<Message>The specified key does not exist.</Message><RequestId>${requestId}</RequestId></Error>`;
    stream.respond({ ':status': 404, 'content-type': 'application/xml', 'x-amz-request-id': requestId });
    stream.end(xml);
  };

  server.on('connection', (raw: net.Socket) => {
    const port = raw.remotePort ?? -1;
    rawByPort.set(port, raw);
    raw.on('close', () => rawByPort.delete(port));
  });
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const handle: H2Server = {
    port,
    endpoint: `https://localhost:${port}`,
    behaviour: { delayMs: 0 },
    get sessions() {
      return counts.sessions;
    },
    get streams() {
      return counts.streams;
    },
    get goaways() {
      return goaways;
    },
    get resets() {
      return resets;
    },
    get socketsDestroyed() {
      return counts.socketsDestroyed;
    },
    get peakStreams() {
      return counts.peakStreams;
    },
    get expectContinueStreams() {
      return counts.expectContinue;
    },
    resetCounts() {
      counts.sessions = 0;
      counts.streams = 0;
      counts.socketsDestroyed = 0;
      counts.peakStreams = 0;
      counts.expectContinue = 0;
      goaways.length = 0;
      resets.length = 0;
    },
    async close() {
      const closed = once(server, 'close');
      server.close();
      for (const session of sessionsOpen) session.destroy();
      await closed;
    },
  };
  return handle;
}
