import type { Attributes } from '@opentelemetry/api';
import type { HandlerExecutionContext } from '@smithy/types';
import {
  type AttemptScope,
  type MetricScope,
  metricGuard,
  type TallySeries,
  type WirescopeInstruments,
} from '@wirescope/instrumentation';
import {
  ATTR_AUTH_SCHEME_ID,
  ATTR_BUCKET_REGION,
  ATTR_CALLER_REGION,
  ATTR_CLOUD_REGION,
  ATTR_CONNECTION_REUSED,
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_TYPE,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_REGION_MISMATCH,
  ATTR_RPC_METHOD,
  ATTR_RPC_SERVICE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  HTTP_HANDLER_NODE_HTTP2,
  normalizeServerAddress,
} from '@wirescope/semconv';
import type { CommandNames } from './command-names.js';
import type { OperationState } from './operation-state.js';
import { callerRegionOf, type RegionSummary, targetRegionOf } from './region-facts.js';
import type { ResolvedWirescopeOptions } from './resolve-options.js';

// Every attribute here is bounded (metric-names.ts): names of services, operations, regions, error
// types and service endpoints, never a bucket, key, request id or connection id.

type AttributeValueOf = string | number | boolean | undefined;

function setIf(attributes: Attributes, key: string, value: AttributeValueOf): void {
  if (value !== undefined) attributes[key] = value;
}

/**
 * `server.address` of an attempt's metrics: the request host without the call's bucket in front
 * (`bkt.localhost` → `localhost` on a custom endpoint; the SDK puts the bucket there), then normalized
 * like every S3 host (`bkt.s3.us-west-2.amazonaws.com` → `s3.us-west-2.amazonaws.com`).
 */
export function metricServerAddress(
  hostname: string | undefined,
  bucket: string | undefined,
): string | undefined {
  // The last answer: an attempt after the first to the same host and bucket asks the same question.
  if (hostname === lastHostname && bucket === lastBucket) return lastAddress;
  let address = normalizeServerAddress(hostname);
  if (hostname && bucket && hostname.length > bucket.length + 1) {
    const prefix = `${bucket.toLowerCase()}.`;
    if (hostname.toLowerCase().startsWith(prefix))
      address = normalizeServerAddress(hostname.slice(prefix.length));
  }
  lastHostname = hostname;
  lastBucket = bucket;
  lastAddress = address;
  return address;
}

// null: nothing asked yet (a hostname is a string or undefined).
let lastHostname: string | undefined | null = null;
let lastBucket: string | undefined;
let lastAddress: string | undefined;

/** The metric scope an attempt hands the socket layers (through its attempt scope). */
export function attemptMetricScope(
  options: ResolvedWirescopeOptions,
  state: OperationState,
  context: HandlerExecutionContext,
  hostname: string | undefined,
): MetricScope | undefined {
  const metrics = state.metrics;
  if (!metrics) return undefined;
  return {
    instruments: metrics.instruments,
    service: state.names.service,
    method: state.names.operation,
    region: targetRegionOf(context),
    callerRegion: callerRegionOf(options),
    serverAddress: metricServerAddress(hostname, state.region?.bucket),
  };
}

// What one command's calls recorded last, kept on its names (one frozen object per client and
// command, command-names.ts): most calls of a command repeat the same attribute values, and then the
// call path compares a few values and adds to the series it kept, with no key built and no lookup.
// A value that differs builds the key and finds (or makes) its series, as the first call did.
interface AttemptMemo {
  readonly region: string | undefined;
  readonly serverAddress: string | undefined;
  readonly handler: unknown;
  readonly reused: unknown;
  readonly errorType: unknown;
  readonly series: TallySeries;
}
interface RequestMemo {
  readonly serverAddress: string | undefined;
  readonly port: unknown;
  readonly method: unknown;
  readonly status: unknown;
  readonly errorType: unknown;
  readonly version: unknown;
  readonly attributes: Attributes;
}
interface CallMemo {
  readonly target: string | undefined;
  readonly caller: string | undefined;
  readonly mismatch: boolean;
  readonly errorType: string | undefined;
  readonly series: TallySeries;
}
interface CommandMemo {
  /** The tallies' owner: a memo is only good for the provider its series belong to. */
  instruments: WirescopeInstruments | undefined;
  /** `rpc.service`, `rpc.method`: the attributes of every per-call histogram. */
  readonly rpc: Attributes;
  readonly key: string;
  callAttempts: TallySeries | undefined;
  attempt: AttemptMemo | undefined;
  request: RequestMemo | undefined;
  call: CallMemo | undefined;
  /** `rpc.*` with `auth.scheme_id`, by scheme. */
  readonly auth: Map<string, Attributes>;
}

const memos = new WeakMap<CommandNames, CommandMemo>();

/** The memo of `names` for `instruments` (its series forgotten when the provider is another). */
export function commandMemo(names: CommandNames, instruments: WirescopeInstruments): CommandMemo {
  let memo = memos.get(names);
  if (memo === undefined) {
    memo = {
      instruments,
      rpc: { [ATTR_RPC_SERVICE]: names.service, [ATTR_RPC_METHOD]: names.operation },
      key: `${names.service}\n${names.operation}`,
      callAttempts: undefined,
      attempt: undefined,
      request: undefined,
      call: undefined,
      auth: new Map(),
    };
    memos.set(names, memo);
  } else if (memo.instruments !== instruments) {
    memo.instruments = instruments;
    memo.callAttempts = undefined;
    memo.attempt = undefined;
    memo.call = undefined;
  }
  return memo;
}

/** `rpc.*` and `auth.scheme_id`: the attributes of the two auth stage histograms. */
export function authAttributes(memo: CommandMemo, schemeId: string | undefined): Attributes {
  if (schemeId === undefined) return memo.rpc;
  let attributes = memo.auth.get(schemeId);
  if (attributes === undefined) {
    attributes = { ...memo.rpc, [ATTR_AUTH_SCHEME_ID]: schemeId };
    // Bounded by the client's auth schemes; a guard against one inventing ids.
    if (memo.auth.size < 16) memo.auth.set(schemeId, attributes);
  }
  return attributes;
}

/**
 * The attempt's metrics, from the facts the attempt and the socket layer gathered: `wirescope.attempts`,
 * `smithy.client.call.attempts` and `.attempt_duration`, `http.client.request.duration`.
 */
export function recordAttemptMetrics(
  state: OperationState,
  scope: AttemptScope,
  startMs: number,
  endMs: number,
): void {
  const metricScope = scope.metrics;
  if (!metricScope) return;
  metricGuard.run('recording the attempt metrics', () => {
    const { instruments } = metricScope;
    const { facts } = scope;
    const memo = commandMemo(state.names, instruments);
    const seconds = Math.max(0, endMs - startMs) / 1000;
    const errorType = facts.get(ATTR_ERROR_TYPE);
    const handler = facts.get(ATTR_HTTP_HANDLER);
    memo.callAttempts ??= instruments.callAttempts.series(memo.key, memo.rpc);
    memo.callAttempts.value += 1;
    instruments.attemptDuration.record(seconds, memo.rpc);
    // Omitted when unknown: the request never reached a socket (a connect that failed counts as new).
    const reused = facts.get(ATTR_CONNECTION_REUSED);
    const { region, serverAddress } = metricScope;
    let attempt = memo.attempt;
    if (
      attempt === undefined ||
      attempt.region !== region ||
      attempt.serverAddress !== serverAddress ||
      attempt.handler !== handler ||
      attempt.reused !== reused ||
      attempt.errorType !== errorType
    ) {
      const series = attemptSeries(instruments, memo, region, serverAddress, handler, reused, errorType);
      attempt = { region, serverAddress, handler, reused, errorType, series };
      memo.attempt = attempt;
    }
    attempt.series.value += 1;
    const port = facts.get(ATTR_SERVER_PORT);
    const method = facts.get(ATTR_HTTP_REQUEST_METHOD);
    const status = facts.get(ATTR_HTTP_RESPONSE_STATUS_CODE);
    // node:http and undici's fetch speak HTTP/1.1; the HTTP/2 layer records its own version.
    const version =
      facts.get(ATTR_NETWORK_PROTOCOL_VERSION) ??
      (handler && handler !== HTTP_HANDLER_NODE_HTTP2 ? '1.1' : undefined);
    let request = memo.request;
    if (
      request === undefined ||
      request.serverAddress !== serverAddress ||
      request.port !== port ||
      request.method !== method ||
      request.status !== status ||
      request.errorType !== errorType ||
      request.version !== version
    ) {
      const attributes: Attributes = {};
      setIf(attributes, ATTR_SERVER_ADDRESS, serverAddress);
      setIf(attributes, ATTR_SERVER_PORT, port);
      setIf(attributes, ATTR_HTTP_REQUEST_METHOD, method);
      setIf(attributes, ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      setIf(attributes, ATTR_ERROR_TYPE, errorType);
      setIf(attributes, ATTR_NETWORK_PROTOCOL_VERSION, version);
      request = { serverAddress, port, method, status, errorType, version, attributes };
      memo.request = request;
    }
    instruments.requestDuration.record(seconds, request.attributes);
  });
}

/** The `wirescope.attempts` series of these values; a new one starts its resets series at 0. */
function attemptSeries(
  instruments: WirescopeInstruments,
  memo: CommandMemo,
  region: string | undefined,
  serverAddress: string | undefined,
  handler: AttributeValueOf,
  reused: AttributeValueOf,
  errorType: AttributeValueOf,
): TallySeries {
  // The tally's key: every attribute value, in a fixed order.
  const key = `${memo.key}\n${region}\n${serverAddress}\n${handler}\n${reused}\n${errorType}`;
  const known = instruments.attempts.get(key);
  if (known) return known;
  const attempt: Attributes = { ...memo.rpc };
  setIf(attempt, ATTR_CLOUD_REGION, region);
  setIf(attempt, ATTR_SERVER_ADDRESS, serverAddress);
  setIf(attempt, ATTR_HTTP_HANDLER, handler);
  if (typeof reused === 'boolean') attempt[ATTR_CONNECTION_REUSED] = reused;
  setIf(attempt, ATTR_ERROR_TYPE, errorType);
  const series = instruments.attempts.series(key, attempt);
  // A counter has no series until its first add: a zero one for each new attempt series, so that
  // "no reset happened" reads as 0 in Prometheus, not as "the producer records no resets".
  if (typeof reused === 'boolean') {
    const resets: Attributes = { ...memo.rpc, [ATTR_CONNECTION_REUSED]: reused };
    setIf(resets, ATTR_SERVER_ADDRESS, serverAddress);
    setIf(resets, ATTR_HTTP_HANDLER, handler);
    instruments.socketResets.add(0, resets);
  }
  return series;
}

/**
 * The call's metrics when it settled: `wirescope.calls`, `smithy.client.call.duration` and `.errors`,
 * and `wirescope.region.redirects` when S3 sent the call to another region.
 */
export function recordCallMetrics(
  state: OperationState,
  regions: RegionSummary,
  errorType: string | undefined,
  endMs: number,
): void {
  const metrics = state.metrics;
  if (!metrics) return;
  metricGuard.run('recording the call metrics', () => {
    const { instruments } = metrics;
    const memo = commandMemo(state.names, instruments);
    const rpc = memo.rpc;
    let call = memo.call;
    if (
      call === undefined ||
      call.target !== regions.target ||
      call.caller !== regions.caller ||
      call.mismatch !== regions.mismatch ||
      call.errorType !== errorType
    ) {
      const key = `${memo.key}\n${regions.target}\n${regions.caller}\n${regions.mismatch}\n${errorType}`;
      let series = instruments.calls.get(key);
      if (!series) {
        const attributes: Attributes = { ...rpc, [ATTR_REGION_MISMATCH]: regions.mismatch };
        setIf(attributes, ATTR_CLOUD_REGION, regions.target);
        setIf(attributes, ATTR_CALLER_REGION, regions.caller);
        setIf(attributes, ATTR_ERROR_TYPE, errorType);
        series = instruments.calls.series(key, attributes);
        // As the resets above: a zero series with the call's first series, so no redirect reads as 0.
        const redirects: Attributes = { ...rpc };
        setIf(redirects, ATTR_CLOUD_REGION, regions.client);
        instruments.regionRedirects.add(0, redirects);
      }
      call = {
        target: regions.target,
        caller: regions.caller,
        mismatch: regions.mismatch,
        errorType,
        series,
      };
      memo.call = call;
    }
    call.series.value += 1;
    instruments.callDuration.record(Math.max(0, endMs - metrics.startMs) / 1000, rpc);
    if (errorType !== undefined) instruments.callErrors.add(1, { ...rpc, [ATTR_EXCEPTION_TYPE]: errorType });
    if (state.redirects > 0) {
      const redirect: Attributes = { ...rpc };
      // The region the call was sent to first, the one S3 redirected it from.
      setIf(redirect, ATTR_CLOUD_REGION, regions.client);
      setIf(redirect, ATTR_BUCKET_REGION, state.bucketRegion);
      instruments.regionRedirects.add(state.redirects, redirect);
    }
  });
}
