import { isIP } from 'node:net';
import { type Attributes, type Span, type SpanContext, TraceFlags } from '@opentelemetry/api';
import {
  ATTR_CONNECTION_ID,
  ATTR_DNS_ANSWERS,
  ATTR_DNS_QUESTION_NAME,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_TYPE,
  ATTR_SERVER_ADDRESS,
} from '@wirescope/semconv';

// OpenTelemetry has one convention for connection spans, the network spans .NET emits (HTTP connection
// setup, DNS lookup, socket connect, TLS handshake): where a fact is the same, both handlers write
// it under that convention's attribute, beside wirescope's own span names (the contract).

/** At most this many `dns.answers`. */
export const MAX_DNS_ANSWERS = 8;

/** Attributes of a `dns.lookup` span: the name (also as `server.address`) and, when known, the answers. */
export function dnsLookupAttributes(hostname: string, answers?: readonly string[]): Attributes {
  const attributes: Attributes = { [ATTR_SERVER_ADDRESS]: hostname, [ATTR_DNS_QUESTION_NAME]: hostname };
  if (answers && answers.length > 0) attributes[ATTR_DNS_ANSWERS] = answers.slice(0, MAX_DNS_ANSWERS);
  return attributes;
}

/** Attributes of a `tcp.connect` span: the peer, `network.transport` and `network.type`. */
export function socketConnectAttributes(address: string | undefined, port: number | undefined): Attributes {
  const attributes: Attributes = { [ATTR_NETWORK_TRANSPORT]: 'tcp' };
  if (address) {
    attributes[ATTR_NETWORK_PEER_ADDRESS] = address;
    const family = isIP(address);
    if (family !== 0) attributes[ATTR_NETWORK_TYPE] = family === 6 ? 'ipv6' : 'ipv4';
  }
  if (port) attributes[ATTR_NETWORK_PEER_PORT] = port;
  return attributes;
}

/**
 * Links an attempt to the span where its connection was set up (in whatever trace that was), as the
 * .NET convention links each request to its connection: a reused attempt then leads to the handshake
 * it rides on. Needs `Span.addLink` (API 1.9+); with an older API nothing is linked.
 */
export function linkToConnection(span: Span, setup: SpanContext | undefined, connectionId: string): void {
  // A connection opened by an unsampled request (kept for its metrics) has no span to link to.
  if (!setup || (setup.traceFlags & TraceFlags.SAMPLED) === 0) return;
  const { addLink } = span as { addLink?: Span['addLink'] };
  if (typeof addLink !== 'function') return;
  addLink.call(span, { context: setup, attributes: { [ATTR_CONNECTION_ID]: connectionId } });
}
