import { once } from 'node:events';
import net from 'node:net';
import { createDelayedPipe, type DelayedPipe } from './delayed-pipe.js';

/** Options for {@link startTcpProxy}. */
export interface TcpProxyOptions {
  /** Where every accepted connection is forwarded. */
  target: { host: string; port: number };
  /** Added to each direction of every chunk (and once before the client's first bytes are read). */
  latencyMs?: number;
  /** When the client writes on a connection idle longer than this: RST the client, drop upstream. */
  resetAfterIdleMs?: number;
  /** When the client writes on a connection idle longer than this: FIN the client, no response. */
  finAfterIdleMs?: number;
  /**
   * Holds the server's first bytes on each connection (the TLS ServerHello) this much longer than the
   * latency, like a lost segment retransmitted: the TLS handshake shows it, later traffic keeps its order.
   */
  holdFirstReplyMs?: number;
}

/** A running proxy. */
export interface TcpProxyHandle {
  host: '127.0.0.1';
  port: number;
  /** Client connections accepted so far (live). */
  readonly connectionsAccepted: number;
  /** Connections dropped by the idle rules (RST or FIN) so far (live). */
  readonly droppedConnections: number;
  /** Stops listening and destroys every live connection. */
  close(): Promise<void>;
  /** Changes the latency for chunks that arrive from now on. */
  setLatency(ms: number): void;
}

/**
 * A TCP proxy on 127.0.0.1 for latency and dropped keep-alive connections.
 *
 * What a client can observe: its TCP connect completes at once, because the kernel finishes the
 * handshake with the proxy's listen socket before userland sees it; no Node API delays it (a full
 * backlog only makes SYNs retransmit after ~1 s). So tcp.connect stays ~0 ms here at any latency.
 * Instead the proxy stops reading the client until the upstream connect is done plus latencyMs, and
 * then delays every chunk by latencyMs each way: each TLS round trip (ClientHello → ServerHello, ...)
 * pays 2 × latencyMs, and the first one pays one latencyMs more.
 *
 * Idle drops are lazy, like a server whose close crosses the client's next write: when the client
 * sends on a connection idle (no byte either way) longer than resetAfterIdleMs the client gets an RST
 * (`read ECONNRESET` on a reused socket); past finAfterIdleMs it gets a FIN without a response
 * (`socket hang up`). If both are exceeded, the RST wins.
 */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxyHandle> {
  let latencyMs = options.latencyMs ?? 0;
  let accepted = 0;
  let dropped = 0;
  const live = new Set<() => void>();

  // Half-open on both sides: a FIN is forwarded after the data queued before it, not turned into a close.
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (client) => {
    accepted++;
    const upstream = net.connect({ ...options.target, allowHalfOpen: true });
    let lastActivity = Date.now();
    let dropping = false;
    const touch = () => {
      lastActivity = Date.now();
    };
    const toUpstream: DelayedPipe = createDelayedPipe(upstream, () => latencyMs, touch);
    let held = options.holdFirstReplyMs === undefined;
    const replyLatency = () => {
      if (held) return latencyMs;
      held = true;
      return latencyMs + (options.holdFirstReplyMs as number);
    };
    const toClient: DelayedPipe = createDelayedPipe(client, replyLatency, touch);
    const teardown = () => {
      toUpstream.stop();
      toClient.stop();
      client.destroy();
      upstream.destroy();
      live.delete(teardown);
    };
    live.add(teardown);

    // pauseOnConnect stops the handle only; without an explicit pause the 'data' listener below
    // would start reading at once.
    client.pause();
    upstream.once('connect', () => {
      setTimeout(() => client.resume(), latencyMs);
    });
    client.on('data', (chunk: Buffer) => {
      if (dropping) return;
      const idle = Date.now() - lastActivity;
      if (options.resetAfterIdleMs !== undefined && idle > options.resetAfterIdleMs) {
        dropping = true;
        dropped++;
        toClient.stop();
        upstream.destroy();
        client.resetAndDestroy();
        return;
      }
      if (options.finAfterIdleMs !== undefined && idle > options.finAfterIdleMs) {
        dropping = true;
        dropped++;
        toClient.stop();
        upstream.destroy();
        client.end();
        return;
      }
      touch();
      toUpstream.push(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      touch();
      toClient.push(chunk);
    });
    client.on('end', () => toUpstream.push(null));
    upstream.on('end', () => {
      if (!dropping) toClient.push(null);
    });
    // The proxy owns these sockets, so it handles their errors: pass an upstream RST on to the client.
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (!dropping && (error.code === 'ECONNRESET' || error.code === 'ECONNREFUSED')) {
        client.resetAndDestroy();
      }
      teardown();
    });
    client.on('error', teardown);
    client.on('close', teardown);
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    get connectionsAccepted() {
      return accepted;
    },
    get droppedConnections() {
      return dropped;
    },
    setLatency(ms: number) {
      latencyMs = ms;
    },
    async close() {
      const closed = once(server, 'close');
      server.close();
      for (const teardown of [...live]) teardown();
      await closed;
    },
  };
}
