/** Span names of the connection phases, children of the attempt span that opened the connection. */

/** A DNS lookup made to open a connection (absent for IP literals and reused sockets). */
export const SPAN_DNS_LOOKUP = 'dns.lookup';
/** A TCP connect (SYN to established), absent for reused sockets. */
export const SPAN_TCP_CONNECT = 'tcp.connect';
/** A TLS handshake on a new connection, absent for plain HTTP and reused sockets. */
export const SPAN_TLS_HANDSHAKE = 'tls.handshake';
/** Every connection phase span name, in the order the phases happen. */
export const PHASE_SPAN_NAMES = [SPAN_DNS_LOOKUP, SPAN_TCP_CONNECT, SPAN_TLS_HANDSHAKE] as const;
/** One of the connection phase span names. */
export type PhaseSpanName = (typeof PHASE_SPAN_NAMES)[number];

/**
 * The response body flowing to the caller: a child of the attempt span, from the response headers to
 * the body's last byte, its error, its abort, or the end of its grace period (`wirescope.body.outcome`).
 */
export const SPAN_HTTP_RESPONSE_BODY = 'http.response.body';

/** Name of the per-attempt span, a child of the operation span: `<Service>.<Operation> attempt`. */
export function attemptSpanName(operationSpanName: string): string {
  return `${operationSpanName} attempt`;
}

/** Name of the operation span: `<Service>.<Operation>`, e.g. `S3.PutObject`. */
export function operationSpanName(service: string, operation: string): string {
  return `${service}.${operation}`;
}
