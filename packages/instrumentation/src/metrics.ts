import {
  type Counter,
  createNoopMeter,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type ObservableResult,
} from '@opentelemetry/api';
import {
  METER_NAME,
  METRIC_ATTEMPTS,
  METRIC_CALLS,
  METRIC_CONNECTION_PHASE_DURATION,
  METRIC_DNS_LOOKUP_DURATION,
  METRIC_EXPECT_CONTINUE_DURATION,
  METRIC_HTTP_CLIENT_CONNECTION_DURATION,
  METRIC_HTTP_CLIENT_OPEN_CONNECTIONS,
  METRIC_HTTP_CLIENT_REQUEST_DURATION,
  METRIC_HTTP_CLIENT_REQUEST_TIME_IN_QUEUE,
  METRIC_REGION_REDIRECTS,
  METRIC_SMITHY_CALL_ATTEMPT_DURATION,
  METRIC_SMITHY_CALL_ATTEMPTS,
  METRIC_SMITHY_CALL_DESERIALIZATION_DURATION,
  METRIC_SMITHY_CALL_DURATION,
  METRIC_SMITHY_CALL_ERRORS,
  METRIC_SMITHY_CALL_RESOLVE_ENDPOINT_DURATION,
  METRIC_SMITHY_CALL_RESOLVE_IDENTITY_DURATION,
  METRIC_SMITHY_CALL_SERIALIZATION_DURATION,
  METRIC_SMITHY_CALL_SIGNING_DURATION,
  METRIC_SMITHY_HTTP_BYTES_RECEIVED,
  METRIC_SMITHY_HTTP_BYTES_SENT,
  METRIC_SMITHY_HTTP_CONNECTIONS_ACQUIRE_DURATION,
  METRIC_SMITHY_HTTP_CONNECTIONS_LIMIT,
  METRIC_SMITHY_HTTP_CONNECTIONS_UPTIME,
  METRIC_SMITHY_HTTP_CONNECTIONS_USAGE,
  METRIC_SMITHY_HTTP_REQUESTS_QUEUED_DURATION,
  METRIC_SMITHY_HTTP_REQUESTS_USAGE,
  METRIC_SOCKET_RESETS,
} from '@wirescope/semconv';
import { CounterTally } from './counter-tally.js';
import { createGuard } from './guard.js';
import { limitOf, type PoolTallies } from './pool-tally.js';
import { processState } from './process-registry.js';
import { RecordBuffer } from './record-buffer.js';

/**
 * Every instrument wirescope records on, created once per MeterProvider (metric-names.ts documents
 * each name's type, unit and attributes). The shape is shared by every copy of the kernel through the
 * process registry: change it only with a new cache key below.
 */
export interface WirescopeInstruments {
  /** `wirescope.calls`, tallied (see {@link CounterTally}). */
  readonly calls: CounterTally;
  /** `wirescope.attempts`, tallied. */
  readonly attempts: CounterTally;
  readonly phaseDuration: Histogram;
  readonly socketResets: Counter;
  readonly expectContinueDuration: Histogram;
  readonly regionRedirects: Counter;
  readonly callDuration: Histogram;
  /** `smithy.client.call.attempts`, tallied. */
  readonly callAttempts: CounterTally;
  readonly callErrors: Counter;
  readonly attemptDuration: Histogram;
  /** The call's SDK stages (the plugin's stage middlewares, stage-metrics.ts in @wirescope/aws-sdk). */
  readonly resolveIdentityDuration: Histogram;
  readonly resolveEndpointDuration: Histogram;
  readonly serializationDuration: Histogram;
  readonly signingDuration: Histogram;
  readonly deserializationDuration: Histogram;
  readonly acquireDuration: Histogram;
  readonly connectionsUptime: Histogram;
  readonly queuedDuration: Histogram;
  readonly bytesSent: Counter;
  readonly bytesReceived: Counter;
  readonly requestDuration: Histogram;
  readonly connectionDuration: Histogram;
  readonly timeInQueue: Histogram;
  readonly dnsLookupDuration: Histogram;
  /**
   * The live pool counts by endpoint, read by the observable up-down counters
   * (`http.client.open_connections`, `smithy.client.http.connections.usage`,
   * `smithy.client.http.requests.usage`) when the provider collects: the request path only moves numbers.
   */
  readonly pools: PoolTallies;
}

/** The metric guard: a failing meter or instrument is logged, never thrown into the host. */
export const metricGuard = createGuard('@wirescope/instrumentation', 'the metric is not recorded');

// Seconds. The semantic conventions' advice for http.client.request.duration, with sub-millisecond
// and millisecond buckets in front: DNS from cache, a loopback connect and a reused connection's
// queue wait sit there, and a connect time is read against region-to-region round trips.
const SECONDS_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];
// A connection's life: seconds to an hour.
const UPTIME_BUCKETS = [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

// The noop API meter every MeterProvider-less process gets: a provider that hands it out records
// nothing, so no instrument is made for it.
const NOOP_METER = createNoopMeter();

// null: a provider that records nothing (the API's noop, or one whose meter failed).
type InstrumentCache = WeakMap<object, WirescopeInstruments | null>;

function cache(): InstrumentCache {
  return processState<InstrumentCache>('@wirescope/instrumentation:instruments.v4', () => new WeakMap());
}

/**
 * The instruments for `provider` (default: the global MeterProvider, read on every call so one
 * registered later is picked up), or undefined when no MeterProvider is registered: then no metric
 * work at all. Made once per provider, in a WeakMap in the process registry, so two installed copies
 * of the kernel share them. A provider whose meter or instruments throw is logged once and then
 * records nothing.
 */
export function instrumentsFor(provider?: MeterProvider): WirescopeInstruments | undefined {
  const meterProvider = provider ?? metrics.getMeterProvider();
  const instruments = cache();
  const known = instruments.get(meterProvider);
  if (known !== undefined) return known ?? undefined;
  const made = metricGuard.value('creating the metric instruments', () => create(meterProvider), null);
  instruments.set(meterProvider, made);
  return made ?? undefined;
}

function create(provider: MeterProvider): WirescopeInstruments | null {
  const meter = provider.getMeter(METER_NAME);
  if (meter === NOOP_METER) return null;
  return createInstruments(meter);
}

function createInstruments(meter: Meter): WirescopeInstruments {
  // Every histogram records through one buffer, flushed when full and before each collection.
  const buffer = new RecordBuffer(metricGuard);
  const seconds = (name: string, description: string, buckets = SECONDS_BUCKETS) =>
    buffer.histogram(
      meter.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: buckets } }),
    );
  return {
    calls: tallied(meter, METRIC_CALLS, '{call}', 'AWS SDK calls'),
    attempts: tallied(meter, METRIC_ATTEMPTS, '{attempt}', 'HTTP attempts'),
    phaseDuration: seconds(METRIC_CONNECTION_PHASE_DURATION, 'Setup phases of new connections'),
    socketResets: meter.createCounter(METRIC_SOCKET_RESETS, {
      unit: '{reset}',
      description: 'Sockets reset under a request',
    }),
    expectContinueDuration: seconds(METRIC_EXPECT_CONTINUE_DURATION, 'Waits for 100 Continue'),
    regionRedirects: meter.createCounter(METRIC_REGION_REDIRECTS, {
      unit: '{redirect}',
      description: 'S3 region redirects the SDK followed',
    }),
    callDuration: seconds(METRIC_SMITHY_CALL_DURATION, 'Overall call duration, retries included'),
    callAttempts: tallied(meter, METRIC_SMITHY_CALL_ATTEMPTS, '{attempt}', 'Attempts of an operation'),
    callErrors: meter.createCounter(METRIC_SMITHY_CALL_ERRORS, {
      unit: '{error}',
      description: 'Calls that ended in an error',
    }),
    attemptDuration: seconds(METRIC_SMITHY_CALL_ATTEMPT_DURATION, 'One attempt, to the response headers'),
    resolveIdentityDuration: seconds(METRIC_SMITHY_CALL_RESOLVE_IDENTITY_DURATION, 'Resolving the identity'),
    resolveEndpointDuration: seconds(METRIC_SMITHY_CALL_RESOLVE_ENDPOINT_DURATION, 'Resolving the endpoint'),
    serializationDuration: seconds(METRIC_SMITHY_CALL_SERIALIZATION_DURATION, 'Serializing the request'),
    signingDuration: seconds(METRIC_SMITHY_CALL_SIGNING_DURATION, 'Signing the request'),
    deserializationDuration: seconds(
      METRIC_SMITHY_CALL_DESERIALIZATION_DURATION,
      'Deserializing the response',
    ),
    acquireDuration: seconds(METRIC_SMITHY_HTTP_CONNECTIONS_ACQUIRE_DURATION, 'Acquiring a connection'),
    connectionsUptime: seconds(METRIC_SMITHY_HTTP_CONNECTIONS_UPTIME, 'Connection lifetimes', UPTIME_BUCKETS),
    queuedDuration: seconds(METRIC_SMITHY_HTTP_REQUESTS_QUEUED_DURATION, 'Waits for a pooled connection'),
    bytesSent: meter.createCounter(METRIC_SMITHY_HTTP_BYTES_SENT, {
      unit: 'By',
      description: 'Bytes written',
    }),
    bytesReceived: meter.createCounter(METRIC_SMITHY_HTTP_BYTES_RECEIVED, {
      unit: 'By',
      description: 'Bytes read',
    }),
    requestDuration: seconds(METRIC_HTTP_CLIENT_REQUEST_DURATION, 'HTTP client request duration'),
    connectionDuration: seconds(
      METRIC_HTTP_CLIENT_CONNECTION_DURATION,
      'How long outbound connections stayed open',
      UPTIME_BUCKETS,
    ),
    timeInQueue: seconds(METRIC_HTTP_CLIENT_REQUEST_TIME_IN_QUEUE, 'Time a request waited for a connection'),
    dnsLookupDuration: seconds(METRIC_DNS_LOOKUP_DURATION, 'DNS lookups of new connections'),
    pools: observePools(meter, () => buffer.flush()),
  };
}

/** A counter of the call path: a tally read by an observable counter at collection. */
function tallied(meter: Meter, name: string, unit: string, description: string): CounterTally {
  const tally = new CounterTally();
  tally.observeOn(meter.createObservableCounter(name, { unit, description }));
  return tally;
}

/**
 * The pool tallies and the four observable up-down counters that report them. `beforeCollect` runs
 * from the first one's callbacks: the SDK runs every observable callback of a meter before it reads
 * the meter's synchronous instruments.
 */
function observePools(meter: Meter, beforeCollect: () => void): PoolTallies {
  const pools: PoolTallies = new Map();
  const open = meter.createObservableUpDownCounter(METRIC_HTTP_CLIENT_OPEN_CONNECTIONS, {
    unit: '{connection}',
    description: 'Open outbound connections by state (active, idle)',
  });
  const usage = meter.createObservableUpDownCounter(METRIC_SMITHY_HTTP_CONNECTIONS_USAGE, {
    unit: '{connection}',
    description: 'Open connections by state (idle, acquired)',
  });
  const requests = meter.createObservableUpDownCounter(METRIC_SMITHY_HTTP_REQUESTS_USAGE, {
    unit: '{request}',
    description: 'Requests by state (queued, in-flight)',
  });
  open.addCallback(beforeCollect);
  open.addCallback((result: ObservableResult) => {
    for (const tally of pools.values()) {
      result.observe(tally.active, tally.activeAttributes);
      result.observe(tally.idle, tally.idleAttributes);
    }
  });
  usage.addCallback((result: ObservableResult) => {
    for (const tally of pools.values()) {
      result.observe(tally.active, tally.acquiredAttributes);
      result.observe(tally.idle, tally.poolIdleAttributes);
    }
  });
  const limit = meter.createObservableUpDownCounter(METRIC_SMITHY_HTTP_CONNECTIONS_LIMIT, {
    unit: '{connection}',
    description: 'The connection limit of the pools in use, when finite and known',
  });
  limit.addCallback((result: ObservableResult) => {
    for (const tally of pools.values()) {
      const value = limitOf(tally);
      if (value !== undefined) result.observe(value, tally.addressAttributes);
    }
  });
  requests.addCallback((result: ObservableResult) => {
    for (const tally of pools.values()) {
      result.observe(tally.queued, tally.queuedAttributes);
      result.observe(tally.inFlight, tally.inFlightAttributes);
    }
  });
  return pools;
}
