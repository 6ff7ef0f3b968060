/** Finding codes of the analyzer: stable, kebab-case, part of the public contract. */

/** The call crosses regions (caller, client, endpoint or bucket regions disagree, or RTT says so). */
export const FINDING_CROSS_REGION = 'cross-region';
/** S3 redirected the call to the bucket's region: every call pays an extra round trip or more. */
export const FINDING_REGION_REDIRECT = 'region-redirect';
/** Calls keep opening new connections instead of reusing keep-alive sockets. */
export const FINDING_CONNECTION_CHURN = 'connection-churn';
/** A reused socket had been dropped by the server or a middlebox while idle: reset, retry, new handshake. */
export const FINDING_STALE_CONNECTION_RESET = 'stale-connection-reset';
/** Uploads of 2 MiB and more waited for `100-continue` on a one-off agent that never reuses connections. */
export const FINDING_EXPECT_CONTINUE_NO_REUSE = 'expect-continue-no-reuse';
/** Every new connection paid a DNS lookup. */
export const FINDING_DNS_LOOKUP_PER_CONNECTION = 'dns-lookup-per-connection';
/** Attempts waited for a pooled socket: the agent's `maxSockets` is too low for the concurrency. */
export const FINDING_SOCKET_POOL_SATURATION = 'socket-pool-saturation';
/** TCP connect or TLS handshake took far longer than the round trip suggests. */
export const FINDING_SLOW_HANDSHAKE = 'slow-handshake';
/** A socket error failed the call without a retry (e.g. `UND_ERR_SOCKET` on the fetch handler). */
export const FINDING_UNRETRIED_SOCKET_ERROR = 'unretried-socket-error';
/** Request rate on one bucket (or key prefix) drew 503 SlowDown or is near S3's per-prefix limits. */
export const FINDING_HOT_PREFIX = 'hot-prefix';

/** A response body was neither read to its end nor destroyed: it held its pooled socket, and calls queued behind it. */
export const FINDING_UNCONSUMED_BODY = 'unconsumed-body';
/** An attempt waited for a pooled socket, a connection or a response for seconds with no timeout in effect. */
export const FINDING_NO_TIMEOUT = 'no-timeout';
/** A 100-continue wait ended on the SDK's fallback timer, not on the server's answer. */
export const FINDING_EXPECT_CONTINUE_TIMEOUT = 'expect-continue-timeout';

/** Every finding code, in the order reports list them. */
export const FINDING_CODES = [
  FINDING_CROSS_REGION,
  FINDING_REGION_REDIRECT,
  FINDING_CONNECTION_CHURN,
  FINDING_STALE_CONNECTION_RESET,
  FINDING_EXPECT_CONTINUE_NO_REUSE,
  FINDING_DNS_LOOKUP_PER_CONNECTION,
  FINDING_SOCKET_POOL_SATURATION,
  FINDING_SLOW_HANDSHAKE,
  FINDING_UNRETRIED_SOCKET_ERROR,
  FINDING_HOT_PREFIX,
  FINDING_UNCONSUMED_BODY,
  FINDING_NO_TIMEOUT,
  FINDING_EXPECT_CONTINUE_TIMEOUT,
] as const;

/** One of the analyzer's finding codes. */
export type FindingCode = (typeof FINDING_CODES)[number];

/** True when `value` is one of the analyzer's finding codes. */
export function isFindingCode(value: string): value is FindingCode {
  return (FINDING_CODES as readonly string[]).includes(value);
}
