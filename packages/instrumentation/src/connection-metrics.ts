import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_CALLER_REGION,
  ATTR_CLOUD_REGION,
  ATTR_CONNECTION_REUSED,
  ATTR_DNS_QUESTION_NAME,
  ATTR_ERROR_TYPE,
  ATTR_EXPECT_CONTINUE_ENDED_BY,
  ATTR_HTTP_HANDLER,
  ATTR_PHASE,
  ATTR_RPC_METHOD,
  ATTR_RPC_SERVICE,
  ATTR_SERVER_ADDRESS,
  normalizeServerAddress,
  PHASE_DNS,
  regionOfHost,
} from '@wirescope/semconv';
import { metricGuard, type WirescopeInstruments } from './metrics.js';
import { type PoolTally, tallyOf } from './pool-tally.js';

/**
 * What a socket layer needs to record connection metrics for a request: the instruments, and the
 * call's facts the plugin knew when the attempt started (absent outside the plugin). Present only
 * when a MeterProvider is registered: a request without one does no metric work.
 */
export interface MetricScope {
  readonly instruments: WirescopeInstruments;
  /** `rpc.service` of the SDK call. */
  readonly service?: string | undefined;
  /** `rpc.method` of the SDK call. */
  readonly method?: string | undefined;
  /** `cloud.region` the attempt targets (signing region, else the endpoint's). */
  readonly region?: string | undefined;
  /** `wirescope.caller.region`, when known. */
  readonly callerRegion?: string | undefined;
  /**
   * `server.address` as the plugin normalized it: it knows the bucket, so it also strips a custom
   * endpoint's virtual-hosted prefix (`bkt.localhost`) that no host parser can tell from a name.
   */
  readonly serverAddress?: string | undefined;
}

/** Phases of a new connection, as `wirescope.phase` names them. */
export type ConnectionPhase = 'dns' | 'tcp' | 'tls';

/** `server.address` of a metric: the plugin's, else the host normalized (a bucket host → its endpoint). */
export function metricAddress(scope: MetricScope, host: string | undefined): string | undefined {
  return scope.serverAddress ?? normalizeServerAddress(host);
}

function setIf(attributes: Attributes, key: string, value: string | boolean | undefined): void {
  if (value !== undefined) attributes[key] = value;
}

/**
 * One setup phase of a new connection that succeeded (`wirescope.connection.phase.duration`), and for
 * `dns` also `dns.lookup.duration`. Milliseconds in, seconds recorded.
 */
export function recordPhaseMetric(
  scope: MetricScope,
  phase: ConnectionPhase,
  ms: number,
  host: string | undefined,
  handler: string,
): void {
  metricGuard.run('recording a connection phase', () => {
    const address = metricAddress(scope, host);
    const attributes: Attributes = { [ATTR_PHASE]: phase, [ATTR_HTTP_HANDLER]: handler };
    setIf(attributes, ATTR_SERVER_ADDRESS, address);
    setIf(attributes, ATTR_CLOUD_REGION, scope.region ?? regionOfHost(host));
    setIf(attributes, ATTR_CALLER_REGION, scope.callerRegion);
    const seconds = Math.max(0, ms) / 1000;
    scope.instruments.phaseDuration.record(seconds, attributes);
    if (phase === PHASE_DNS) recordDnsLookup(scope, ms, host, undefined);
  });
}

/** `dns.lookup.duration`; a failed lookup carries `error.type`. */
export function recordDnsLookup(
  scope: MetricScope,
  ms: number,
  host: string | undefined,
  errorType: string | undefined,
): void {
  metricGuard.run('recording a DNS lookup', () => {
    const attributes: Attributes = {};
    // The name asked, normalized like server.address: a bucket host would be one series per bucket.
    setIf(attributes, ATTR_DNS_QUESTION_NAME, normalizeServerAddress(host));
    setIf(attributes, ATTR_ERROR_TYPE, errorType);
    scope.instruments.dnsLookupDuration.record(Math.max(0, ms) / 1000, attributes);
  });
}

/** `wirescope.socket.resets`: a socket reset under a request. */
export function recordSocketReset(
  scope: MetricScope,
  reused: boolean | undefined,
  host: string | undefined,
  handler: string,
): void {
  metricGuard.run('recording a socket reset', () => {
    const attributes: Attributes = { [ATTR_HTTP_HANDLER]: handler };
    setIf(attributes, ATTR_CONNECTION_REUSED, reused);
    setIf(attributes, ATTR_SERVER_ADDRESS, metricAddress(scope, host));
    setIf(attributes, ATTR_RPC_SERVICE, scope.service);
    setIf(attributes, ATTR_RPC_METHOD, scope.method);
    scope.instruments.socketResets.add(1, attributes);
  });
}

/** A request's wait for a pooled connection: `http.client.request.time_in_queue` and Smithy's `queued_duration`. */
export function recordQueueWait(scope: MetricScope, ms: number, host: string | undefined): void {
  metricGuard.run('recording a queue wait', () => {
    const attributes = poolTallyOf(scope, host).addressAttributes;
    const seconds = Math.max(0, ms) / 1000;
    scope.instruments.timeInQueue.record(seconds, attributes);
    scope.instruments.queuedDuration.record(seconds, attributes);
  });
}

/** `smithy.client.http.connections.acquire_duration`: request start → a connection that can carry it. */
export function recordAcquire(scope: MetricScope, ms: number, host: string | undefined): void {
  metricGuard.run('recording a connection acquire', () => {
    // The endpoint's one attribute set, made once (the pool tally keeps it).
    const attributes = poolTallyOf(scope, host).addressAttributes;
    scope.instruments.acquireDuration.record(Math.max(0, ms) / 1000, attributes);
  });
}

/** `wirescope.expect_continue.duration`: headers sent → 100 Continue (or the body without it). */
export function recordExpectContinue(
  scope: MetricScope,
  ms: number,
  endedBy: string,
  reused: boolean | undefined,
  host: string | undefined,
  handler: string,
): void {
  metricGuard.run('recording an expect-continue wait', () => {
    // The handler: a new connection per upload means the one-off agent on node:http only.
    const attributes: Attributes = { [ATTR_EXPECT_CONTINUE_ENDED_BY]: endedBy, [ATTR_HTTP_HANDLER]: handler };
    setIf(attributes, ATTR_CONNECTION_REUSED, reused);
    setIf(attributes, ATTR_SERVER_ADDRESS, metricAddress(scope, host));
    scope.instruments.expectContinueDuration.record(Math.max(0, ms) / 1000, attributes);
  });
}

type GaugeState = 'active' | 'idle' | 'closed';

/** The pool tally of a request's endpoint, for its queued and in-flight counts. */
export function poolTallyOf(scope: MetricScope, host: string | undefined): PoolTally {
  return tallyOf(scope.instruments.pools, metricAddress(scope, host));
}

/**
 * One open connection in its endpoint's pool tally (read by `http.client.open_connections` active/idle
 * and `smithy.client.http.connections.usage` acquired/idle), and its life when it closes
 * (`http.client.connection.duration`, `smithy.client.http.connections.uptime`, bytes sent and
 * received). Made by the metered request that opened the connection; each move is counted once, and
 * nothing after `close`. Times are milliseconds from the caller's one clock.
 */
export class ConnectionGauge {
  #state: GaugeState = 'active';
  readonly #instruments: WirescopeInstruments;
  readonly #openedAt: number;
  readonly #tally: PoolTally;
  readonly #address: Attributes;

  readonly #pool: { readonly limit: number; open: number } | undefined;
  readonly #poolKey: object | undefined;

  /** `pool`: the pool (agent) that opened it and its connection limit, when the limit is known. */
  constructor(
    scope: MetricScope,
    host: string | undefined,
    openedAt: number,
    pool?: { readonly key: object; readonly limit: number },
  ) {
    this.#instruments = scope.instruments;
    this.#openedAt = openedAt;
    const address = metricAddress(scope, host);
    this.#tally = tallyOf(scope.instruments.pools, address);
    this.#address = this.#tally.addressAttributes;
    this.#tally.active += 1;
    if (pool) {
      let entry = this.#tally.limits.get(pool.key);
      if (!entry) {
        entry = { limit: pool.limit, open: 0 };
        this.#tally.limits.set(pool.key, entry);
      }
      entry.open += 1;
      this.#pool = entry;
      this.#poolKey = pool.key;
    }
  }

  /** A request took the idle connection. */
  acquire(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'active';
    this.#tally.idle -= 1;
    this.#tally.active += 1;
  }

  /** The request on it finished; the connection stays open for the next. */
  release(): void {
    if (this.#state !== 'active') return;
    this.#state = 'idle';
    this.#tally.active -= 1;
    this.#tally.idle += 1;
  }

  /** The connection closed: out of the tally, its life and bytes recorded. */
  close(at: number, bytesSent: number | undefined, bytesReceived: number | undefined): void {
    const state = this.#state;
    if (state === 'closed') return;
    this.#state = 'closed';
    if (state === 'active') this.#tally.active -= 1;
    else this.#tally.idle -= 1;
    if (this.#pool && this.#poolKey) {
      this.#pool.open -= 1;
      if (this.#pool.open <= 0) this.#tally.limits.delete(this.#poolKey);
    }
    metricGuard.run('recording a closed connection', () => {
      const seconds = Math.max(0, at - this.#openedAt) / 1000;
      this.#instruments.connectionDuration.record(seconds, this.#address);
      this.#instruments.connectionsUptime.record(seconds, this.#address);
      if (bytesSent) this.#instruments.bytesSent.add(bytesSent, this.#address);
      if (bytesReceived) this.#instruments.bytesReceived.add(bytesReceived, this.#address);
    });
  }
}
