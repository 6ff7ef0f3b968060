// How the engine reads spans made by other instrumentations than wirescope's: the standard
// OpenTelemetry ones (instrumentation-http / -undici client spans, instrumentation-net and -dns phases).
import { SPAN_DNS_LOOKUP, SPAN_TCP_CONNECT, SPAN_TLS_HANDSHAKE } from '@wirescope/semconv';
import type { PhaseKind } from '../records.js';
import { strVal } from '../span-record/attribute-values.js';
import { K } from '../span-record/keys.js';
import type { SpanRecord } from '../span-record/record.js';
import type { AttributeValue } from '../types.js';
import { AttemptStore, CHUNK_MASK, type Interning, STR } from './store.js';

/** `tls.connect`: the TLS span of @opentelemetry/instrumentation-net (it includes the TCP connect). */
const OTEL_TLS_CONNECT = 'tls.connect';

/**
 * Phase span names: wirescope's, and `tls.connect` of @opentelemetry/instrumentation-net (which also
 * writes `tcp.connect`; @opentelemetry/instrumentation-dns writes `dns.lookup`).
 */
export const PHASE_BY_NAME: Record<string, PhaseKind> = {
  [SPAN_DNS_LOOKUP]: 'dns',
  [SPAN_TCP_CONNECT]: 'tcp',
  [SPAN_TLS_HANDSHAKE]: 'tls',
  [OTEL_TLS_CONNECT]: 'tls',
};

/** The names other instrumentations give each phase kind, in `PHASE_KINDS` order. */
export const OTHER_PHASE_NAMES: readonly string[] = [SPAN_DNS_LOOKUP, SPAN_TCP_CONNECT, OTEL_TLS_CONNECT];

/** Scope names of wirescope's own tracers start with this. */
const WIRESCOPE_SCOPE = '@wirescope/';

/**
 * True when another instrumentation (not wirescope) made this phase span: its scope is known and not
 * wirescope's, or it is named as only @opentelemetry/instrumentation-net names it. Spans without a scope
 * (older exports, hand-written fixtures) count as wirescope's, as before scopes were read.
 */
export function isOtherPhase(span: SpanRecord): boolean {
  if (span.name === OTEL_TLS_CONNECT) return true;
  return span.scope !== '' && !span.scope.startsWith(WIRESCOPE_SCOPE) && !span.wirescope;
}

/** An error code (`ECONNRESET`, `UND_ERR_SOCKET`), not an error class name (`Error`, `TypeError`). */
const ERROR_CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

/** `TLSv1.3` → `1.3`, `TLSv1` → `1.0` (the `tls.protocol.version` spelling), else undefined. */
export function tlsVersionOf(protocol: string | undefined): string | undefined {
  const match = protocol === undefined ? null : /^TLSv(\d)(?:\.(\d))?$/.exec(protocol);
  return match ? `${match[1]}.${match[2] ?? '0'}` : undefined;
}

/** The host of a URL attribute, or undefined. */
function hostOfUrl(value: AttributeValue | undefined): string | undefined {
  const url = strVal(value);
  if (url === undefined) return undefined;
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/@?#]*@)?(\[[^\]]*\]|[^/:?#]*)/i.exec(url);
  return match?.[1] || undefined;
}

/**
 * Fills the attributes an attempt row reads from what the standard HTTP client instrumentations write,
 * in either generation of the conventions (`http.method`, `net.peer.name`, `http.status_code`).
 */
export function inferAttemptValues(v: Array<AttributeValue | undefined>): void {
  // instrumentation-http writes `error.type` = the error's name (`Error`); the code Node gave the
  // socket error (`ECONNRESET`) is the `exception.type` of its exception event.
  const exception = strVal(v[K.exceptionType]);
  const errorType = strVal(v[K.errorType]);
  if (
    exception !== undefined &&
    ERROR_CODE.test(exception) &&
    (errorType === undefined || !ERROR_CODE.test(errorType))
  )
    v[K.errorType] = exception;
  v[K.httpMethod] ??= v[K.oldHttpMethod];
  v[K.serverAddress] ??= v[K.oldPeerName] ?? hostOfUrl(v[K.urlFull]) ?? hostOfUrl(v[K.oldHttpUrl]);
  v[K.serverPort] ??= v[K.oldPeerPort];
  v[K.status] ??= v[K.oldStatus];
}

/**
 * The TLS version another instrumentation's `tls.connect` names, for an attempt that has none (an
 * inferred attempt): round trips per handshake depend on it.
 */
export function adoptTlsVersion(store: AttemptStore, row: number, version: string, n: Interning): void {
  const c = store.at(row);
  const at = (row & CHUNK_MASK) * AttemptStore.STRINGS + STR.tlsVersion;
  if (version === '' || c.str[at] !== 0) return;
  const id = n.strings.id(version);
  if (id > 0xffff && c.str instanceof Uint16Array) c.str = Uint32Array.from(c.str);
  c.str[at] = id;
}
