import type { Attributes } from '@opentelemetry/api';
import type { HandlerExecutionContext } from '@smithy/types';
import { type AttemptScope, type MetricScope, metricGuard } from '@wirescope/instrumentation';
import {
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
import type { OperationState } from './operation-state.js';
import { callerRegionOf, type RegionSummary, targetRegionOf } from './region-facts.js';
import type { ResolvedWirescopeOptions } from './resolve-options.js';

// Every attribute here is bounded (metric-names.ts): names of services, operations, regions, error
// types and service endpoints, never a bucket, key, request id or connection id.

function setIf(attributes: Attributes, key: string, value: string | number | boolean | undefined): void {
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
  if (hostname && bucket && hostname.length > bucket.length + 1) {
    const prefix = `${bucket.toLowerCase()}.`;
    if (hostname.toLowerCase().startsWith(prefix))
      return normalizeServerAddress(hostname.slice(prefix.length));
  }
  return normalizeServerAddress(hostname);
}

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

// Attribute sets of the histograms, made once per distinct set of values and reused: the call path
// then builds a short key, not an object. Bounded by the values (service endpoints, operations,
// status codes); cleared if it ever grows past MAX_CACHED.
const MAX_CACHED = 2000;
const cachedSets = new Map<string, Attributes>();

export function cached(key: string, build: () => Attributes): Attributes {
  let attributes = cachedSets.get(key);
  if (attributes === undefined) {
    if (cachedSets.size >= MAX_CACHED) cachedSets.clear();
    attributes = build();
    cachedSets.set(key, attributes);
  }
  return attributes;
}

export function rpcAttributes(service: string, operation: string): Attributes {
  return cached(`rpc\n${service}\n${operation}`, () => ({
    [ATTR_RPC_SERVICE]: service,
    [ATTR_RPC_METHOD]: operation,
  }));
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
    const { service, operation } = state.names;
    const seconds = Math.max(0, endMs - startMs) / 1000;
    const errorType = facts.get(ATTR_ERROR_TYPE);
    const handler = facts.get(ATTR_HTTP_HANDLER);
    const rpc = rpcAttributes(service, operation);
    const rpcKey = `${service}\n${operation}`;
    if (!instruments.callAttempts.increment(rpcKey)) instruments.callAttempts.add(rpcKey, rpc);
    instruments.attemptDuration.record(seconds, rpc);
    // Omitted when unknown: the request never reached a socket (a connect that failed counts as new).
    const reused = facts.get(ATTR_CONNECTION_REUSED);
    const { region, serverAddress } = metricScope;
    // The tally's key: every attribute value, in a fixed order.
    const key = `${rpcKey}\n${region}\n${serverAddress}\n${handler}\n${reused}\n${errorType}`;
    if (!instruments.attempts.increment(key)) {
      const attempt: Attributes = { ...rpc };
      setIf(attempt, ATTR_CLOUD_REGION, region);
      setIf(attempt, ATTR_SERVER_ADDRESS, serverAddress);
      setIf(attempt, ATTR_HTTP_HANDLER, handler);
      if (typeof reused === 'boolean') attempt[ATTR_CONNECTION_REUSED] = reused;
      setIf(attempt, ATTR_ERROR_TYPE, errorType);
      instruments.attempts.add(key, attempt);
      // A counter has no series until its first add: a zero one for each new attempt series, so that
      // "no reset happened" reads as 0 in Prometheus, not as "the producer records no resets".
      if (typeof reused === 'boolean') {
        const resets: Attributes = { ...rpc, [ATTR_CONNECTION_REUSED]: reused };
        setIf(resets, ATTR_SERVER_ADDRESS, serverAddress);
        setIf(resets, ATTR_HTTP_HANDLER, handler);
        instruments.socketResets.add(0, resets);
      }
    }
    const port = facts.get(ATTR_SERVER_PORT);
    const method = facts.get(ATTR_HTTP_REQUEST_METHOD);
    const status = facts.get(ATTR_HTTP_RESPONSE_STATUS_CODE);
    // node:http and undici's fetch speak HTTP/1.1; the HTTP/2 layer records its own version.
    const version =
      facts.get(ATTR_NETWORK_PROTOCOL_VERSION) ??
      (handler && handler !== HTTP_HANDLER_NODE_HTTP2 ? '1.1' : undefined);
    const requestKey = `http\n${serverAddress}\n${port}\n${method}\n${status}\n${errorType}\n${version}`;
    const request = cached(requestKey, () => {
      const attributes: Attributes = {};
      setIf(attributes, ATTR_SERVER_ADDRESS, serverAddress);
      setIf(attributes, ATTR_SERVER_PORT, port);
      setIf(attributes, ATTR_HTTP_REQUEST_METHOD, method);
      setIf(attributes, ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      setIf(attributes, ATTR_ERROR_TYPE, errorType);
      setIf(attributes, ATTR_NETWORK_PROTOCOL_VERSION, version);
      return attributes;
    });
    instruments.requestDuration.record(seconds, request);
  });
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
    const { service, operation } = state.names;
    const rpc = rpcAttributes(service, operation);
    const key = `${service}\n${operation}\n${regions.target}\n${regions.caller}\n${regions.mismatch}\n${errorType}`;
    if (!instruments.calls.increment(key)) {
      const call: Attributes = { ...rpc, [ATTR_REGION_MISMATCH]: regions.mismatch };
      setIf(call, ATTR_CLOUD_REGION, regions.target);
      setIf(call, ATTR_CALLER_REGION, regions.caller);
      setIf(call, ATTR_ERROR_TYPE, errorType);
      instruments.calls.add(key, call);
      // As the resets above: a zero series with the call's first series, so no redirect reads as 0.
      const redirects: Attributes = { ...rpc };
      setIf(redirects, ATTR_CLOUD_REGION, regions.client);
      instruments.regionRedirects.add(0, redirects);
    }
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
