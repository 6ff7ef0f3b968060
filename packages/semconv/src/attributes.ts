/**
 * Attribute keys of the wirescope span contract (../../../README.md, "Span contract").
 * Keys from the OpenTelemetry semantic conventions keep their standard names.
 */

// ---- operation span -------------------------------------------------------------------------
/** Always `aws-api` on the operation span. */
export const ATTR_RPC_SYSTEM = 'rpc.system';
/** Value of `rpc.system` for AWS SDK calls. */
export const RPC_SYSTEM_AWS_API = 'aws-api';
/** The service, e.g. `S3`, `DynamoDB`. */
export const ATTR_RPC_SERVICE = 'rpc.service';
/** The operation, e.g. `PutObject`. */
export const ATTR_RPC_METHOD = 'rpc.method';
/**
 * True on the operation span of an event-stream operation (Kinesis SubscribeToShard, Transcribe
 * streaming, Bedrock's bidirectional streams, …). The SDK gives every such call its own HTTP/2 session
 * by design, so a new connection per call is not churn there.
 */
export const ATTR_EVENT_STREAM = 'wirescope.event_stream';
/** The region the request was signed for. */
export const ATTR_CLOUD_REGION = 'cloud.region';
/** The AWS request id (`x-amz-request-id` / `x-amzn-requestid`), when the response had one. */
export const ATTR_AWS_REQUEST_ID = 'aws.request_id';
/** The S3 bucket name, for S3 operations that name one. */
export const ATTR_AWS_S3_BUCKET = 'aws.s3.bucket';
/** Number of HTTP attempts the operation made (retries and region-redirect re-runs included). */
export const ATTR_ATTEMPTS = 'wirescope.attempts';
/** Region the calling code runs in, when known. */
export const ATTR_CALLER_REGION = 'wirescope.caller.region';
/** Region the client was configured with. */
export const ATTR_CLIENT_REGION = 'wirescope.client.region';
/** Region S3 said the bucket lives in (`x-amz-bucket-region`, error bodies), when it told us. */
export const ATTR_BUCKET_REGION = 'wirescope.bucket.region';
/** True when caller, target, client or bucket regions disagree. */
export const ATTR_REGION_MISMATCH = 'wirescope.region.mismatch';
/** Number of region redirects (re-runs of the call in another region) the operation paid. */
export const ATTR_REGION_REDIRECTS = 'wirescope.region.redirects';
/** The first characters of the S3 key, only when the plugin was told to record them (keys can be personal data). */
export const ATTR_S3_KEY_PREFIX = 'wirescope.s3.key_prefix';

// ---- attempt span ---------------------------------------------------------------------------
/** 1-based number of this HTTP attempt within its operation. */
export const ATTR_ATTEMPT = 'wirescope.attempt';
/** True when the attempt ran on a socket that had already carried a request. */
export const ATTR_CONNECTION_REUSED = 'wirescope.connection.reused';
/** Identifier of the socket, stable for its whole life (`c<pid>-<n>`). */
export const ATTR_CONNECTION_ID = 'wirescope.connection.id';
/** On reuse: milliseconds the socket sat idle in the pool before this attempt took it. */
export const ATTR_CONNECTION_IDLE_MS = 'wirescope.connection.idle_ms';
/** Milliseconds the attempt waited for a pooled socket (the agent was at `maxSockets`). */
export const ATTR_CONNECTION_QUEUE_MS = 'wirescope.connection.queue_ms';
/** How many requests this connection had carried, this one included (1 on a new connection). */
export const ATTR_CONNECTION_REQUESTS = 'wirescope.connection.requests';
/** Host name (or IP literal) the request was sent to. */
export const ATTR_SERVER_ADDRESS = 'server.address';
/** Port the request was sent to. */
export const ATTR_SERVER_PORT = 'server.port';
/** IP address of the peer the socket connected to. */
export const ATTR_NETWORK_PEER_ADDRESS = 'network.peer.address';
/** Port of the peer the socket connected to. */
export const ATTR_NETWORK_PEER_PORT = 'network.peer.port';
/**
 * On `tcp.connect` and `tls.handshake`: `tcp` (OpenTelemetry's network attributes, as the .NET
 * connection spans carry them).
 */
export const ATTR_NETWORK_TRANSPORT = 'network.transport';
/** On `tcp.connect`: `ipv4` or `ipv6`, from the peer address. */
export const ATTR_NETWORK_TYPE = 'network.type';
/** On `dns.lookup`: the name looked up (the OpenTelemetry DNS attribute; the same as `server.address`). */
export const ATTR_DNS_QUESTION_NAME = 'dns.question.name';
/** On `dns.lookup`: the addresses the lookup returned, when the runtime tells them (at most 8). */
export const ATTR_DNS_ANSWERS = 'dns.answers';
/** On the attempt: `http` or `https`. */
export const ATTR_URL_SCHEME = 'url.scheme';
/** HTTP method. */
export const ATTR_HTTP_REQUEST_METHOD = 'http.request.method';
/** HTTP status code of the response. */
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
/** The real error code (`ECONNRESET`, `EPIPE`, `UND_ERR_SOCKET`, …), never a re-label such as `TimeoutError`. */
export const ATTR_ERROR_TYPE = 'error.type';
/** True when the socket was reset or closed by the peer under this attempt (RST, or FIN with no response). */
export const ATTR_SOCKET_RESET = 'wirescope.socket.reset';
/** The socket error as Node or undici worded it (`read ECONNRESET`, `socket hang up`, `other side closed`). */
export const ATTR_SOCKET_ERROR = 'wirescope.socket.error';
/** TLS protocol version of a new TLS connection, e.g. `1.3`. */
export const ATTR_TLS_PROTOCOL_VERSION = 'tls.protocol.version';
/** True when a new TLS connection resumed an earlier session. */
export const ATTR_TLS_RESUMED = 'tls.resumed';
/** Milliseconds between sending headers with `Expect: 100-continue` and the server's `100 Continue`. */
export const ATTR_EXPECT_CONTINUE_WAIT_MS = 'wirescope.expect_continue.wait_ms';
/** True when the request carried `Expect: 100-continue`. */
export const ATTR_EXPECT_CONTINUE = 'wirescope.expect_continue';
/**
 * How the wait for `100 Continue` ended: `server` (the server answered: `100 Continue` or a final
 * response) or `timer` (no answer came: the body went out when the SDK's fallback timer fired).
 */
export const ATTR_EXPECT_CONTINUE_ENDED_BY = 'wirescope.expect_continue.ended_by';
/** Value of `wirescope.expect_continue.ended_by`: the server answered the `Expect: 100-continue`. */
export const EXPECT_CONTINUE_ENDED_BY_SERVER = 'server';
/** Value of `wirescope.expect_continue.ended_by`: the body was sent with no answer from the server. */
export const EXPECT_CONTINUE_ENDED_BY_TIMER = 'timer';
/**
 * The limit on the whole call in effect for the attempt, in ms; 0 when none would stop it (the SDK's
 * default; on the Node handler `requestTimeout` without `throwOnRequestTimeout` only logs a warning).
 */
export const ATTR_TIMEOUT_REQUEST_MS = 'wirescope.timeout.request_ms';
/**
 * The connection timeout in effect, in ms (the Node handler's `connectionTimeout`); 0 when none. The
 * SDK times it from the request's creation until its socket connects: the wait for a pooled socket and
 * the TCP connect. HTTP/2 and fetch ignore it.
 */
export const ATTR_TIMEOUT_CONNECTION_MS = 'wirescope.timeout.connection_ms';
/**
 * The socket inactivity timeout in effect, in ms (the Node handler's `socketTimeout`, else the service
 * default); 0 when none. It stops a response the server never sends; HTTP/2 and fetch ignore it.
 */
export const ATTR_TIMEOUT_SOCKET_MS = 'wirescope.timeout.socket_ms';
/** Milliseconds from the end of the request (last byte written) to the response headers. */
export const ATTR_TTFB_MS = 'wirescope.ttfb_ms';
/** Request body size in bytes, when the request declared it. */
export const ATTR_REQUEST_BODY_SIZE = 'http.request.body.size';
/** The HTTP handler that carried the attempt: `node-http`, `node-http2` or `fetch`. */
export const ATTR_HTTP_HANDLER = 'wirescope.http.handler';
/** Whether the agent that carried the attempt keeps sockets alive. */
export const ATTR_AGENT_KEEP_ALIVE = 'wirescope.agent.keep_alive';
/** The `maxSockets` of the agent that carried the attempt (absent when unlimited). */
export const ATTR_AGENT_MAX_SOCKETS = 'wirescope.agent.max_sockets';
/** True when the attempt ran on a one-off agent the SDK built for an `Expect: 100-continue` upload. */
export const ATTR_AGENT_ONE_OFF = 'wirescope.agent.one_off';

// ---- HTTP/2 (NodeHttp2Handler; the "connection" is the HTTP/2 session) ----------------------------
/**
 * The network protocol version of the attempt's connection: `1.1`, or `2` on an HTTP/2 session
 * (OpenTelemetry's `network.protocol.version`). Written by the HTTP/2 producer.
 */
export const ATTR_NETWORK_PROTOCOL_VERSION = 'network.protocol.version';
/**
 * Streams already open on the session when the attempt's stream was created (this one not counted):
 * 0 on an otherwise idle session, more when the attempt multiplexed with others.
 */
export const ATTR_HTTP2_STREAMS_IN_FLIGHT = 'wirescope.http2.streams_in_flight';
/**
 * The peer's SETTINGS_MAX_CONCURRENT_STREAMS for the session when the attempt's stream was created
 * (absent when the peer set no limit). With `streams_in_flight` at this value, the stream waited
 * for a free slot (`wirescope.connection.queue_ms`).
 */
export const ATTR_HTTP2_MAX_CONCURRENT_STREAMS = 'wirescope.http2.max_concurrent_streams';
/**
 * The error code of a GOAWAY frame the peer sent on the session while the attempt ran (0 = NO_ERROR,
 * a graceful shutdown; 2 = INTERNAL_ERROR, …; RFC 9113 §7).
 */
export const ATTR_HTTP2_GOAWAY_CODE = 'wirescope.http2.goaway_code';
/**
 * On the attempt that opened a session: the GOAWAY code with which the peer had closed this process's
 * previous session to the same origin while it sat idle (0 = NO_ERROR, a graceful close such as the
 * server's idle timeout). No stream sees such a GOAWAY; the new session, and its handshake, are its
 * cost, as a new connection is after a server closed an idle keep-alive socket.
 */
export const ATTR_HTTP2_PREVIOUS_GOAWAY_CODE = 'wirescope.http2.previous_goaway_code';
/** With `previous_goaway_code`: how long, in ms, that previous session had been idle when the GOAWAY came. */
export const ATTR_HTTP2_PREVIOUS_IDLE_MS = 'wirescope.http2.previous_idle_ms';
/** The RST_STREAM error code that ended the attempt's stream, when it was not NO_ERROR (RFC 9113 §7). */
export const ATTR_HTTP2_RST_STREAM_CODE = 'wirescope.http2.rst_stream_code';

// ---- response body span (`http.response.body`) --------------------------------------------------
/** How the response body phase ended: `complete`, `error`, `aborted` or `unread` (see BODY_OUTCOME_*). */
export const ATTR_BODY_OUTCOME = 'wirescope.body.outcome';
/** Response body bytes received from the wire when the body phase ended (no headers, no framing). */
export const ATTR_BODY_BYTES = 'wirescope.body.bytes';
/** The last byte was handed on and the connection released. */
export const BODY_OUTCOME_COMPLETE = 'complete';
/** The body failed while it flowed (reset, premature close, timeout): `error.type` and ERROR status say how. */
export const BODY_OUTCOME_ERROR = 'error';
/** The caller stopped the body (`destroy()`, `cancel()`, an abort signal): `error.type` = `ABORT_ERR`. */
export const BODY_OUTCOME_ABORTED = 'aborted';
/**
 * Within the grace period the body was neither read to its end nor destroyed, and it stopped moving
 * (all of it received but not read, or its buffer full), or it was garbage-collected: it holds its
 * connection (the `unconsumed-body` finding reads this).
 */
export const BODY_OUTCOME_UNREAD = 'unread';
/** `error.type` of a body the caller stopped. */
export const ERROR_TYPE_ABORTED = 'ABORT_ERR';

/** Value of `wirescope.http.handler` for node:http / node:https. */
export const HTTP_HANDLER_NODE = 'node-http';
/** Value of `wirescope.http.handler` for node:http2 sessions (the SDK's NodeHttp2Handler). */
export const HTTP_HANDLER_NODE_HTTP2 = 'node-http2';
/** Value of `wirescope.http.handler` for fetch / undici. */
export const HTTP_HANDLER_FETCH = 'fetch';

// ---- span events ----------------------------------------------------------------------------
/** Event on the operation span naming the regions that disagree. */
export const EVENT_REGION_MISMATCH = 'wirescope.region.mismatch';
/** Event on the operation span for each region redirect. */
export const EVENT_REGION_REDIRECT = 'wirescope.region.redirect';
