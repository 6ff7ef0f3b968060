import type { TLSSocket } from 'node:tls';
import { ATTR_TLS_PROTOCOL_VERSION, ATTR_TLS_RESUMED } from '@wirescope/semconv';

/** `TLSv1.3` → `1.3`, `TLSv1` → `1.0`, as the OpenTelemetry `tls.protocol.version` convention spells it. */
export function tlsVersionOf(protocol: string | null | undefined): string | undefined {
  if (!protocol) return undefined;
  const match = /^TLSv(\d)(?:\.(\d))?$/.exec(protocol);
  if (!match) return undefined;
  return `${match[1]}.${match[2] ?? '0'}`;
}

/** The TLS facts of a connected socket: protocol version and whether the session was resumed. */
export function tlsFactsOf(socket: object): {
  [ATTR_TLS_PROTOCOL_VERSION]?: string;
  [ATTR_TLS_RESUMED]?: boolean;
} {
  const tls = socket as Partial<TLSSocket>;
  const facts: { [ATTR_TLS_PROTOCOL_VERSION]?: string; [ATTR_TLS_RESUMED]?: boolean } = {};
  const version = tlsVersionOf(typeof tls.getProtocol === 'function' ? tls.getProtocol() : null);
  if (version) facts[ATTR_TLS_PROTOCOL_VERSION] = version;
  if (typeof tls.isSessionReused === 'function') facts[ATTR_TLS_RESUMED] = tls.isSessionReused();
  return facts;
}

/** True for the error codes of a failed TLS handshake (OpenSSL's and Node's). */
export function isTlsErrorCode(code: string): boolean {
  return /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY))/.test(code);
}
