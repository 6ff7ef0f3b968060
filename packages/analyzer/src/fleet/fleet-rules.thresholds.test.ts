import { describe, expect, it } from 'vitest';
import { regionRttMs, sameRegionRttMs } from '../data/rtt-table.js';
import {
  fleetConnectionChurn,
  fleetDnsPerConnection,
  fleetExpectContinueNoReuse,
  fleetStaleReset,
} from './fleet-connection-rules.js';
import { fleetCoverage } from './fleet-coverage.js';
import { fleetFacts } from './fleet-facts.js';
import { fleetPoolSaturation, fleetSlowTlsIdlePool, quantile90 } from './fleet-pool-rules.js';
import { type FleetAnswers, fleetQueries } from './fleet-queries.js';
import { fleetCrossRegionPairs, fleetCrossRegionRtt, fleetRegionRedirects } from './fleet-region-rules.js';
import type { VectorSample } from './prometheus-client.js';

const EP = 's3.us-west-2.amazonaws.com';
const at = (labels: Record<string, string>, value: number): VectorSample => ({
  labels: { job: 'svc', ...labels },
  value,
});

function facts(partial: Partial<FleetAnswers>) {
  const empty = Object.fromEntries(Object.keys(fleetQueries({ window: '1h' })).map((k) => [k, []]));
  return fleetFacts({ ...empty, ...partial } as FleetAnswers);
}
const attempts = (fresh: number, reused: number) => [
  at({ server_address: EP, wirescope_connection_reused: 'false' }, fresh),
  at({ server_address: EP, wirescope_connection_reused: 'true' }, reused),
];
const phases = (phase: string, n: number, sumS: number, extra: Record<string, string> = {}) => ({
  phaseCount: [at({ server_address: EP, wirescope_phase: phase, ...extra }, n)],
  phaseSum: [at({ server_address: EP, wirescope_phase: phase, ...extra }, sumS)],
});
const pool = (p: { limit?: number; acqMin?: number; acqMax?: number; idle?: number; queued?: number }) => ({
  ...(p.limit !== undefined ? { limitMax: [at({ instance: 'i1' }, p.limit)] } : {}),
  ...(p.acqMin !== undefined ? { acquiredMin: [at({ instance: 'i1' }, p.acqMin)] } : {}),
  ...(p.acqMax !== undefined ? { acquiredMax: [at({ instance: 'i1' }, p.acqMax)] } : {}),
  ...(p.idle !== undefined ? { idleMax: [at({ instance: 'i1' }, p.idle)] } : {}),
  ...(p.queued !== undefined ? { queuedMax: [at({ instance: 'i1' }, p.queued)] } : {}),
});

describe('connection-churn from metrics', () => {
  const tls = phases('tls', 10, 0.3);
  it('names the service and endpoint when ≥ 50 % opened a connection and ≥ 2 beyond the pool peak', () => {
    const [f] = fleetConnectionChurn(facts({ attempts: attempts(10, 0), ...tls }));
    expect(f?.summary).toBe(
      `svc → ${EP}: 10 of 10 requests opened a new TLS connection (a new client per call, or keep-alive off?): ≈ 30 ms each`,
    );
    expect([f?.costMs, f?.costPerCallMs, f?.evidence.counts['extraConnections']]).toEqual([300, 30, 10]);
    expect(f?.evidence.series).toEqual({ job: 'svc', server_address: EP });
  });
  it('stays quiet under half new, or with < 2 beyond what the pool held open', () => {
    expect(fleetConnectionChurn(facts({ attempts: attempts(4, 6) }))).toEqual([]);
    expect(fleetConnectionChurn(facts({ attempts: attempts(1, 0) }))).toEqual([]);
    expect(
      fleetConnectionChurn(facts({ attempts: attempts(9, 0), ...pool({ acqMax: 3, idle: 5 }) })),
    ).toEqual([]);
    expect(
      fleetConnectionChurn(facts({ attempts: attempts(10, 0), ...pool({ acqMax: 3, idle: 5 }) })),
    ).toHaveLength(1);
  });
  it('leaves out new connections after resets and for 100-continue uploads', () => {
    const resets = [at({ server_address: EP, wirescope_connection_reused: 'true' }, 5)];
    const expectCount = [
      at(
        {
          server_address: EP,
          wirescope_connection_reused: 'false',
          wirescope_expect_continue_ended_by: 'server',
        },
        4,
      ),
    ];
    expect(fleetConnectionChurn(facts({ attempts: attempts(10, 0), resets, expectCount }))).toEqual([]);
  });
});

describe('dns-lookup-per-connection from metrics', () => {
  it('finds lookups on ≥ 80 % of new connections, ≥ 2 beyond the peak', () => {
    const [f] = fleetDnsPerConnection(facts({ attempts: attempts(10, 10), ...phases('dns', 10, 0.02) }));
    expect(f?.summary).toBe(`svc → ${EP}: 10 of 10 new connections paid a DNS lookup (mean 2.0 ms)`);
    expect([f?.costMs, f?.evidence.counts['extraLookups']]).toEqual([18, 9]);
  });
  it('says more lookups than new connections as two counts', () => {
    const [f] = fleetDnsPerConnection(facts({ attempts: attempts(27, 0), ...phases('dns', 31, 0.0465) }));
    expect(f?.summary).toBe(`svc → ${EP}: 31 DNS lookups for 27 new connections (mean 1.5 ms)`);
  });
  it('stays quiet below 80 % of new connections or below 10 % new', () => {
    expect(fleetDnsPerConnection(facts({ attempts: attempts(10, 10), ...phases('dns', 7, 0.02) }))).toEqual(
      [],
    );
    expect(fleetDnsPerConnection(facts({ attempts: attempts(1, 19), ...phases('dns', 1, 0.002) }))).toEqual(
      [],
    );
  });
});

describe('stale-connection-reset and expect-continue-no-reuse from metrics', () => {
  it('finds a reset on a reused socket, not one on a new socket', () => {
    const reused = [
      at({ server_address: EP, wirescope_connection_reused: 'true', wirescope_http_handler: 'fetch' }, 3),
    ];
    const [f] = fleetStaleReset(
      facts({ attempts: attempts(2, 100), resets: reused, ...phases('tcp', 2, 0.02) }),
    );
    expect([f?.severity, f?.costMs, f?.evidence.counts['resetsOnReused']]).toEqual(['warning', 30, 3]);
    expect(f?.fix).toContain("undici's keepAliveTimeout");
    const fresh = [at({ server_address: EP, wirescope_connection_reused: 'false' }, 3)];
    expect(fleetStaleReset(facts({ attempts: attempts(2, 100), resets: fresh }))).toEqual([]);
  });
  it('finds 100-continue uploads only ever on new connections', () => {
    const l = { server_address: EP, wirescope_expect_continue_ended_by: 'server' };
    const expectCount = [at({ ...l, wirescope_connection_reused: 'false' }, 3)];
    const expectSum = [at({ ...l, wirescope_connection_reused: 'false' }, 0.3)];
    const [f] = fleetExpectContinueNoReuse(
      facts({ attempts: attempts(3, 0), expectCount, expectSum, ...phases('tcp', 3, 0.03) }),
    );
    expect([f?.costPerCallMs, f?.costMs]).toEqual([110, 330]);
    // Without the phase histogram the new connections are not costed, and the text says so.
    const [unmeasured] = fleetExpectContinueNoReuse(
      facts({ attempts: attempts(3, 0), expectCount, expectSum }),
    );
    expect([unmeasured?.costMs, unmeasured?.costBasis]).toEqual([
      300,
      'mean 100-continue wait 100 ms per upload (the one-off connections are not measured: no wirescope.connection.phase.duration)',
    ]);
    const withReuse = [...expectCount, at({ ...l, wirescope_connection_reused: 'true' }, 1)];
    expect(fleetExpectContinueNoReuse(facts({ expectCount: withReuse, expectSum }))).toEqual([]);
  });
  it('leaves HTTP/2 uploads out: a new session per upload is not the one-off agent', () => {
    const l = {
      server_address: EP,
      wirescope_expect_continue_ended_by: 'server',
      wirescope_connection_reused: 'false',
    };
    const expectSum = [at(l, 0.3)];
    const http2 = [at({ ...l, wirescope_http_handler: 'node-http2' }, 3)];
    expect(
      fleetExpectContinueNoReuse(facts({ attempts: attempts(3, 0), expectCount: http2, expectSum })),
    ).toEqual([]);
    const http1 = [at({ ...l, wirescope_http_handler: 'node-http' }, 3)];
    expect(
      fleetExpectContinueNoReuse(facts({ attempts: attempts(3, 0), expectCount: http1, expectSum })),
    ).toHaveLength(1);
  });
});

describe('cross-region and region-redirect from metrics', () => {
  const pair = { wirescope_caller_region: 'us-west-2', cloud_region: 'us-east-1' };
  it('names the region pair of calls with region.mismatch, costed from the RTT table', () => {
    const calls = [
      at({ ...pair, wirescope_region_mismatch: 'true' }, 100),
      at({ ...pair, wirescope_region_mismatch: 'false' }, 5),
    ];
    const [f] = fleetCrossRegionPairs(facts({ calls }));
    const excess = (regionRttMs('us-west-2', 'us-east-1') as number) - sameRegionRttMs('us-west-2');
    expect(f?.summary).toMatch(
      /^svc: 100 calls from us-west-2 went to us-east-1: one round trip ≈ \d+ ms \(CloudPing p50\)/,
    );
    expect(f?.costPerCallMs).toBeCloseTo(excess, 1);
    expect(
      fleetCrossRegionPairs(facts({ calls: [at({ ...pair, wirescope_region_mismatch: 'false' }, 5)] })),
    ).toEqual([]);
  });
  it('says the peer is near when the measured connect disagrees with the table (no cost)', () => {
    const calls = [at({ ...pair, wirescope_region_mismatch: 'true' }, 10)];
    const [f] = fleetCrossRegionPairs(facts({ calls, ...phases('tcp', 4, 0.004, pair) }));
    expect([f?.severity, f?.costMs]).toEqual(['info', 0]);
  });
  it('finds a far peer by connect time when the regions say same-region', () => {
    const same = { wirescope_caller_region: 'us-east-1', cloud_region: 'us-east-1' };
    const far = facts({ attempts: attempts(2, 8), ...phases('tcp', 2, 0.128, same) });
    const [f] = fleetCrossRegionRtt(far);
    expect(f?.summary).toContain(
      '2 connects to s3.us-west-2.amazonaws.com took 64 ms on average from a caller in us-east-1',
    );
    expect(f?.evidence.counts['roundTrips']).toBe(16);
    expect(fleetCrossRegionRtt(facts({ ...phases('tcp', 2, 0.04, same) }))).toEqual([]);
    expect(fleetCrossRegionRtt(facts({ ...phases('tcp', 1, 0.04, same) }))).toEqual([]);
    expect(fleetCrossRegionRtt(facts({ ...phases('tcp', 1, 0.06, same) }))).toHaveLength(1);
  });
  it('counts region redirects by operation and region pair', () => {
    const redirects = [
      at(
        {
          rpc_service: 'S3',
          rpc_method: 'GetObject',
          cloud_region: 'us-east-1',
          wirescope_bucket_region: 'eu-west-1',
        },
        3,
      ),
    ];
    const [f] = fleetRegionRedirects(facts({ redirects }));
    expect(f?.summary).toMatch(
      /^svc: 3 S3\.GetObject calls were sent to us-east-1 and redirected to eu-west-1/,
    );
    expect(f?.costPerCallMs).toBeCloseTo(4 * (regionRttMs('us-east-1', 'eu-west-1') as number), 1);
    expect(fleetRegionRedirects(facts({}))).toEqual([]);
  });
});

describe('pool diagnoses from metrics', () => {
  // `short`: waits of at most 1 ms (the 1 ms bucket), not queueing; a smaller bucket is overruled by it.
  const queue = (count: number, short: number, sumS: number) => ({
    queueCount: [at({ server_address: EP }, count)],
    queueBuckets: [
      at({ server_address: EP, le: '0.0005' }, 0),
      at({ server_address: EP, le: '0.001' }, short),
      at({ server_address: EP, le: '0.0025' }, count),
    ],
    queueSum: [at({ server_address: EP }, sumS)],
  });
  it('queue: ≥ 2 requests waited ≥ 20 ms together', () => {
    const [f] = fleetPoolSaturation(facts(queue(10, 5, 0.05)), '1h');
    expect([f?.evidence.diagnosis, f?.costMs, f?.evidence.counts['queued']]).toEqual(['pool-queue', 50, 5]);
    expect(fleetPoolSaturation(facts(queue(10, 5, 0.015)), '1h')).toEqual([]);
    expect(fleetPoolSaturation(facts(queue(10, 9, 0.05)), '1h')).toEqual([]);
  });
  it('leak: acquired at the limit for the whole window', () => {
    const [f] = fleetPoolSaturation(
      facts({ ...queue(10, 0, 2), ...pool({ limit: 10, acqMin: 10, acqMax: 10 }) }),
      '1h',
    );
    expect([f?.evidence.diagnosis, f?.severity, f?.costMs]).toEqual(['pool-leak', 'error', 2000]);
    expect(f?.summary).toBe(
      'svc: the connection pool leaks: all 10 connections stayed acquired for the whole 1h on 1 of 1 instances (i1)',
    );
    const [not] = fleetPoolSaturation(
      facts({ ...queue(10, 0, 2), ...pool({ limit: 10, acqMin: 9, acqMax: 10 }) }),
      '1h',
    );
    expect(not?.evidence.diagnosis).not.toBe('pool-leak');
  });
  it('starvation: at the limit with requests queued at peak; the fix sizes the pool for them', () => {
    const [f] = fleetPoolSaturation(
      facts({ ...queue(20, 10, 0.5), ...pool({ limit: 10, acqMin: 2, acqMax: 10, queued: 4 }) }),
      '1h',
    );
    expect(f?.evidence.diagnosis).toBe('pool-starvation');
    expect(f?.fix).toContain('from 10 to 14');
    const [q] = fleetPoolSaturation(
      facts({ ...queue(20, 10, 0.5), ...pool({ limit: 10, acqMin: 2, acqMax: 10, queued: 0 }) }),
      '1h',
    );
    expect(q?.evidence.diagnosis).toBe('pool-queue');
  });
  it('slow TLS while connections sat idle, judged only when the p90 bucket is wholly above the limit', () => {
    const buckets = (rows: Array<[string, number]>) => ({
      tlsBuckets: rows.map(([le, n]) => at({ server_address: EP, le }, n)),
      ...phases('tcp', 10, 0.1),
    });
    const slow = buckets([
      ['0.25', 0],
      ['0.5', 5],
      ['1', 10],
      ['+Inf', 10],
    ]);
    const [f] = fleetSlowTlsIdlePool(facts({ ...slow, ...pool({ idle: 3 }) }));
    expect([f?.code, f?.evidence.diagnosis, f?.evidence.measurements['tlsP90BucketLowerMs']]).toEqual([
      'slow-handshake',
      'slow-tls-idle-pool',
      500,
    ]);
    expect(fleetSlowTlsIdlePool(facts({ ...slow, ...pool({ idle: 0 }) }))).toEqual([]);
    expect(
      fleetSlowTlsIdlePool(
        facts({
          ...buckets([
            ['0.25', 0],
            ['0.5', 10],
            ['+Inf', 10],
          ]),
          ...pool({ idle: 3 }),
        }),
      ),
    ).toEqual([]);
    // The SDK's default boundaries (0, 5, 10, … meant for ms) hold every handshake in (0, 5 s]: proves nothing.
    expect(
      fleetSlowTlsIdlePool(
        facts({
          ...buckets([
            ['0', 0],
            ['5', 10],
            ['+Inf', 10],
          ]),
          ...pool({ idle: 3 }),
        }),
      ),
    ).toEqual([]);
    expect(
      quantile90([
        [0.5, 5],
        [1, 10],
        [Number.POSITIVE_INFINITY, 10],
      ])?.valueS,
    ).toBeCloseTo(0.9, 6);
  });
});

describe('fleet coverage', () => {
  it('says which rules the metrics present could judge, and why not', () => {
    const f = facts({
      has_calls: [at({}, 3)],
      has_attempts: [at({}, 2)],
      calls: [at({ wirescope_region_mismatch: 'false' }, 40)],
    });
    const rules = Object.fromEntries(fleetCoverage(f).map((r) => [r.code, r]));
    expect(rules['connection-churn']).toMatchObject({ judged: 40, of: 40 });
    expect(rules['stale-connection-reset']).toMatchObject({ judged: 0, of: 40 });
    expect(rules['stale-connection-reset']?.reason).toBe(
      'no wirescope_socket_resets_total series for svc: no socket was reset in the window, or the producer does not record resets: the metrics cannot tell which',
    );
    expect(rules['hot-prefix']?.reason).toMatch(/^not in the metric contract: judged from traces only/);
    expect(rules['socket-pool-saturation']?.judged).toBe(0);
  });

  it('says the pool diagnoses were not judged without the pool limit', () => {
    const f = facts({ has_calls: [at({}, 1)], has_timeInQueue: [at({}, 1)], calls: [at({}, 10)] });
    const rule = fleetCoverage(f).find((r) => r.code === 'socket-pool-saturation');
    expect(rule).toMatchObject({ judged: 10, of: 10 });
    expect(rule?.needs).toMatch(
      /; leak and starvation not judged: no smithy_client_http_connections_limit series$/,
    );
  });
});
