import { HTTP_HANDLER_FETCH, HTTP_HANDLER_NODE, HTTP_HANDLER_NODE_HTTP2 } from '@wirescope/semconv';
import type { IdleCutoff } from './idle-cutoff.js';
import { ms } from './rule-helpers.js';

/**
 * Idle limits of the peers a keep-alive socket to AWS usually meets, shortest first (FIELD-NOTES,
 * "Local servers for tests" and "Node handler"): where a measured idle sits among them says who may have
 * closed the socket.
 */
export const PEER_IDLE_LIMITS: ReadonlyArray<{ peer: string; ms: number }> = [
  // Node's http.Server keepAliveTimeout default (local servers, proxies and sidecars written in Node).
  { peer: 'Node.js servers (5 s)', ms: 5_000 },
  // Undocumented; clients report 5–20 s: the lower end is where S3 may start dropping sockets.
  { peer: 'S3 (reported 5–20 s)', ms: 5_000 },
  { peer: 'load balancers (ALB default 60 s)', ms: 60_000 },
  { peer: 'NAT gateways and VPC endpoints (350 s)', ms: 350_000 },
];

/** Who may have closed a socket found dead after `idleMs` idle, in words. */
export function peersPast(idleMs: number): string {
  const past = PEER_IDLE_LIMITS.filter((p) => p.ms <= idleMs).map((p) => p.peer);
  return past.length > 0
    ? `idle past the limit of ${past.join(', ')}`
    : 'idle shorter than every usual peer limit (the server itself, or a frozen process, closed it)';
}

/**
 * An idle limit to set, under what was measured: under the longest idle a socket survived when one did,
 * else under the shortest that met a dead one; a second or half of it below, rounded down.
 */
export function suggestedIdleLimitMs(cutoff: IdleCutoff): number {
  const base = cutoff.survivedMaxMs ?? cutoff.deadMinMs;
  const raw = Math.max(base / 2, base - 1000);
  const step = raw >= 10_000 ? 1000 : raw >= 1000 ? 100 : 10;
  return Math.max(step, Math.floor(raw / step) * step);
}

/** The option set to `limitMs`, as code for the handler that made the attempts. */
export function idleLimitExample(handler: string | undefined, limitMs: number): string {
  if (handler === HTTP_HANDLER_FETCH)
    return `new Agent({ keepAliveTimeout: ${limitMs}, keepAliveMaxTimeout: ${limitMs} }) as the fetch dispatcher`;
  if (handler === HTTP_HANDLER_NODE_HTTP2) return `new NodeHttp2Handler({ sessionTimeout: ${limitMs} })`;
  const node = `new NodeHttpHandler({ httpsAgent: new https.Agent({ keepAlive: true, timeout: ${limitMs} }) })`;
  if (handler === HTTP_HANDLER_NODE) return node;
  return `${node} on the Node handler, undici keepAliveTimeout: ${limitMs} on fetch`;
}

/** `about 5.0 s (e.g. …)`. */
export function idleLimitAdvice(handler: string | undefined, cutoff: IdleCutoff): string {
  const limit = suggestedIdleLimitMs(cutoff);
  return `about ${ms(limit)}, e.g. ${idleLimitExample(handler, limit)}`;
}
