import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import type { AttemptRecord, OperationRecord, RuleContext } from '../records.js';
import { call, newSpanId, newTraceId, span } from '../testing/span-factory.js';
import type { AnalysisCoverage, AnalyzeOptions, WireSpan } from '../types.js';
import { type CallFacts, computeCoverage, judgedAll, judgedAny } from './coverage.js';

// Coverage pinned whole: per rule judged / of / inferred and its reason, calls by instrumentation,
// scopes by span count, caller-region sources — for plugin calls, calls by the standard
// instrumentations only (with and without attempts, bucket, round trip), and no calls.

/** A PutObject as instrumentation-aws-sdk (+ -http, + -net when `tcp`) records it: no wirescope facts. */
function other(
  startMs: number,
  opts: { bucket?: boolean; http?: boolean; service?: string; tcp?: boolean } = {},
) {
  const traceId = newTraceId();
  const opId = newSpanId();
  const httpId = newSpanId();
  const resource = { 'service.name': 'orders', 'process.pid': 7 };
  const service = opts.service ?? 'S3';
  const out: WireSpan[] = [
    {
      ...span({
        name: `${service}.PutObject`,
        traceId,
        spanId: opId,
        startMs,
        durationMs: 30,
        kind: 'client',
        attributes: {
          'rpc.system': 'aws-api',
          'rpc.service': service,
          'rpc.method': 'PutObject',
          'cloud.region': 'us-east-1',
          ...(opts.bucket === false ? {} : { 'aws.s3.bucket': 'orders' }),
        },
      }),
      scope: '@opentelemetry/instrumentation-aws-sdk',
      resource,
    },
  ];
  if (opts.http !== false)
    out.push({
      ...span({
        name: 'PUT',
        traceId,
        spanId: httpId,
        parentSpanId: opId,
        startMs: startMs + 1,
        durationMs: 20,
        kind: 'client',
        attributes: {
          'http.request.method': 'PUT',
          'server.address': 'other.example.com',
          'server.port': 443,
          'http.response.status_code': 200,
        },
      }),
      scope: '@opentelemetry/instrumentation-http',
      resource,
    });
  if (opts.tcp)
    out.push({
      ...span({
        name: 'tcp.connect',
        traceId,
        parentSpanId: httpId,
        startMs: startMs + 1,
        durationMs: 3,
        attributes: { 'network.transport': 'tcp', 'server.address': 'other.example.com' },
      }),
      scope: '@opentelemetry/instrumentation-net',
      resource,
    });
  return out;
}

async function coverage(spans: WireSpan[], options?: AnalyzeOptions) {
  return (await analyze(spans, options)).coverage;
}

/** [code, judged, of, inferred, reason given] per rule, in finding-code order. */
const table = (c: AnalysisCoverage) =>
  c.rules.map((r) => [r.code, r.judged, r.of, r.inferred, r.reason !== undefined]);

const NO_CONNECTION_FACTS =
  'no connection facts: add the wirescope plugin, or @opentelemetry/instrumentation-net beside instrumentation-http/-undici';

describe('coverage, pinned', () => {
  it('plugin calls: every rule judges every call; hot-prefix applies to the S3 call only', async () => {
    const c = await coverage([
      ...call({ startMs: 0, attempts: [{ reused: false }] }),
      ...call({
        startMs: 100,
        service: 'DynamoDB',
        operation: 'GetItem',
        host: 'dynamodb.us-east-1.amazonaws.com',
        attempts: [{ reused: true }],
      }),
    ]);
    expect(c.calls).toBe(2);
    expect(c.callsBy).toEqual({ wirescope: 2, other: 0 });
    expect(c.inferredAttempts).toBe(0);
    expect(c.scopes).toEqual({ '(unknown)': 7 });
    expect(c.callerRegion).toEqual({ known: 2, fromResource: 0, fromOption: false });
    expect(table(c)).toEqual([
      ['cross-region', 2, 2, 0, false],
      ['region-redirect', 2, 2, 0, false],
      ['connection-churn', 2, 2, 0, false],
      ['stale-connection-reset', 2, 2, 0, false],
      ['expect-continue-no-reuse', 2, 2, 0, false],
      ['dns-lookup-per-connection', 2, 2, 0, false],
      ['socket-pool-saturation', 2, 2, 0, false],
      ['slow-handshake', 2, 2, 0, false],
      ['unretried-socket-error', 2, 2, 0, false],
      ['hot-prefix', 1, 1, 0, false],
      ['unconsumed-body', 2, 2, 0, false],
      ['no-timeout', 2, 2, 0, false],
      ['expect-continue-timeout', 2, 2, 0, false],
    ]);
    expect(c.rules.map((r) => r.needs)).toEqual([
      'caller and target region, or a measured round trip',
      'region redirects (wirescope plugin)',
      'new vs reused connection per attempt',
      'new vs reused connection, socket errors',
      "100-continue waits and connection reuse (wirescope plugin), on node:http only: the SDK's one-off keepAlive:false agent, which NodeHttp2Handler does not use",
      'dns lookups per new connection',
      'pool waits and concurrency (wirescope plugin)',
      'measured dns/tcp/tls phases of new connections',
      'attempts with their errors',
      'S3 calls with their bucket (key prefix from the wirescope plugin option)',
      'response body phases and pool waits (wirescope plugin)',
      'the timeouts each call ran under (wirescope plugin)',
      '100-continue waits and how they ended (wirescope plugin)',
    ]);
    expect(judgedAll(c)).toBe(true);
    expect(judgedAny(c)).toBe(true);
  });

  it('plugin and standard-instrumentation calls mixed: what each rule could judge, and why not', async () => {
    const c = await coverage([
      ...call({ startMs: 0, callerRegion: null, attempts: [{ reused: false }] }),
      ...other(100),
      ...other(200, { bucket: false, http: false }),
      ...other(300, { service: 'DynamoDB', bucket: false, tcp: true }),
    ]);
    expect(c.calls).toBe(4);
    expect(c.callsBy).toEqual({ wirescope: 1, other: 3 });
    expect(c.inferredAttempts).toBe(2);
    expect(Object.entries(c.scopes)).toEqual([
      ['(unknown)', 5],
      ['@opentelemetry/instrumentation-aws-sdk', 3],
      ['@opentelemetry/instrumentation-http', 2],
      ['@opentelemetry/instrumentation-net', 1],
    ]);
    expect(c.callerRegion).toEqual({ known: 0, fromResource: 0, fromOption: false });
    expect(table(c)).toEqual([
      ['cross-region', 3, 4, 2, true],
      ['region-redirect', 1, 4, 0, true],
      ['connection-churn', 3, 4, 2, true],
      ['stale-connection-reset', 3, 4, 2, true],
      ['expect-continue-no-reuse', 1, 4, 0, true],
      ['dns-lookup-per-connection', 1, 4, 0, true],
      ['socket-pool-saturation', 1, 4, 0, true],
      ['slow-handshake', 3, 4, 2, true],
      ['unretried-socket-error', 3, 4, 2, true],
      ['hot-prefix', 2, 3, 1, true],
      ['unconsumed-body', 1, 4, 0, true],
      ['no-timeout', 1, 4, 0, true],
      ['expect-continue-timeout', 1, 4, 0, true],
    ]);
    const reason = (code: string) => c.rules.find((r) => r.code === code)?.reason;
    expect(reason('cross-region')).toBe(
      'caller region unknown and no connection measured: set cloud.region in the resource (AWS_REGION) or pass --caller-region',
    );
    expect(reason('region-redirect')).toBe('redirects are recorded by the wirescope plugin only');
    expect(reason('connection-churn')).toBe(NO_CONNECTION_FACTS);
    expect(reason('stale-connection-reset')).toBe(NO_CONNECTION_FACTS);
    expect(reason('slow-handshake')).toBe(NO_CONNECTION_FACTS);
    expect(reason('expect-continue-no-reuse')).toBe(
      '100-continue waits are recorded by the wirescope plugin only',
    );
    expect(reason('dns-lookup-per-connection')).toBe(
      'no DNS facts: add the wirescope plugin, or @opentelemetry/instrumentation-dns and -net in the same process',
    );
    expect(reason('socket-pool-saturation')).toBe(
      'waits for a pooled socket are recorded by the wirescope plugin only',
    );
    expect(reason('unretried-socket-error')).toBe(
      'no HTTP attempts under the call: add the wirescope plugin, or @opentelemetry/instrumentation-http / -undici',
    );
    expect(reason('hot-prefix')).toBe(
      'no bucket on the call span (aws.s3.bucket) or no HTTP attempts under it',
    );
    expect(judgedAll(c)).toBe(false);
    expect(judgedAny(c)).toBe(true);
  });

  it('a standard-instrumentation call with the caller region from the option: regions judged, no connection facts', async () => {
    const c = await coverage(other(100), { callerRegion: 'us-west-2' });
    expect(c.callsBy).toEqual({ wirescope: 0, other: 1 });
    expect(c.inferredAttempts).toBe(1);
    expect(c.callerRegion).toEqual({ known: 1, fromResource: 0, fromOption: true });
    expect(table(c)).toEqual([
      ['cross-region', 1, 1, 1, false],
      ['region-redirect', 0, 1, 0, true],
      ['connection-churn', 0, 1, 0, true],
      ['stale-connection-reset', 0, 1, 0, true],
      ['expect-continue-no-reuse', 0, 1, 0, true],
      ['dns-lookup-per-connection', 0, 1, 0, true],
      ['socket-pool-saturation', 0, 1, 0, true],
      ['slow-handshake', 0, 1, 0, true],
      ['unretried-socket-error', 1, 1, 1, false],
      ['hot-prefix', 1, 1, 1, false],
      ['unconsumed-body', 0, 1, 0, true],
      ['no-timeout', 0, 1, 0, true],
      ['expect-continue-timeout', 0, 1, 0, true],
    ]);
  });

  it('scopes by span count, ties by name, whatever order they were seen in', async () => {
    const c = await coverage([...call({ startMs: 0 }), ...other(100).reverse()]);
    expect(Object.entries(c.scopes)).toEqual([
      ['(unknown)', 2],
      ['@opentelemetry/instrumentation-aws-sdk', 1],
      ['@opentelemetry/instrumentation-http', 1],
    ]);
  });

  it('no calls: nothing judged, nothing missing, not judged all', async () => {
    const c = await coverage([]);
    expect(c).toMatchObject({
      calls: 0,
      callsBy: { wirescope: 0, other: 0 },
      inferredAttempts: 0,
      scopes: {},
      callerRegion: { known: 0, fromResource: 0, fromOption: false },
    });
    expect(table(c).every(([, judged, of, inferred, reason]) => !judged && !of && !inferred && !reason)).toBe(
      true,
    );
    expect(judgedAll(c)).toBe(false);
    expect(judgedAny(c)).toBe(false);
  });
});

describe('judgedAny and judgedAll', () => {
  const rules = (pairs: Array<[number, number]>) =>
    ({
      calls: 3,
      rules: pairs.map(([judged, of]) => ({ code: 'x', judged, of, inferred: 0, needs: '' })),
    }) as unknown as AnalysisCoverage;

  it('any: one rule with one judged call is enough', () => {
    expect(
      judgedAny(
        rules([
          [0, 3],
          [1, 3],
        ]),
      ),
    ).toBe(true);
    expect(
      judgedAny(
        rules([
          [0, 3],
          [0, 3],
        ]),
      ),
    ).toBe(false);
  });

  it('all: every rule judged every call it applies to, and there were calls', () => {
    expect(
      judgedAll(
        rules([
          [3, 3],
          [0, 0],
        ]),
      ),
    ).toBe(true);
    expect(
      judgedAll(
        rules([
          [3, 3],
          [2, 3],
        ]),
      ),
    ).toBe(false);
    expect(judgedAll({ ...rules([[0, 0]]), calls: 0 })).toBe(false);
  });
});

// computeCoverage on hand-made calls: operations and attempts from different instrumentations, attempts
// without an operation span, S3 told by the service or the span name, round trips measured by TLS only.
interface FakeOp {
  wirescope?: boolean;
  name?: string;
  service?: string;
  bucket?: string;
  callerRegion?: string;
  signingRegion?: string;
}

function fakeOp(f: FakeOp = {}): OperationRecord {
  return { wirescope: false, name: 'S3.PutObject', callerRegionFromResource: false, ...f } as OperationRecord;
}

interface FakeAttempt {
  inferred?: boolean;
  reused?: boolean;
  origin?: string;
  host?: string;
  /** Phases that completed. */
  ok?: Array<'tcp' | 'tls'>;
}

function fakeAttempt(f: FakeAttempt = {}): AttemptRecord {
  const origin = f.origin ?? 'p1';
  const host = f.host ?? 'orders.s3.us-east-1.amazonaws.com';
  return {
    inferred: f.inferred ?? false,
    reused: 'reused' in f ? f.reused : true,
    origin,
    serverAddress: host,
    hostKey: `${origin}|${host}`,
    phaseOk: (kind: string) => (f.ok ?? []).includes(kind as 'tcp' | 'tls'),
  } as unknown as AttemptRecord;
}

function judge(calls: CallFacts[], opts: { callerRegion?: string; dnsIn?: string[] } = {}) {
  const context = {
    attempts: calls.flatMap((c) => c.attempts),
    redirected: [],
    callerRegion: opts.callerRegion,
  } as RuleContext;
  return computeCoverage(context, calls, {
    scopes: new Map(),
    dnsFrom: (origin) => (opts.dnsIn ?? []).includes(origin),
  });
}

describe('coverage of hand-made calls, pinned', () => {
  it('an operation by another instrumentation over plugin attempts: judged, counted inferred, a plugin call', () => {
    const c = judge([
      {
        operation: fakeOp({ service: 'S3', bucket: 'orders', callerRegion: 'us-east-1' }),
        attempts: [fakeAttempt({ reused: false, ok: ['tcp', 'tls'] })],
      },
    ]);
    expect(c.callsBy).toEqual({ wirescope: 1, other: 0 });
    expect(c.inferredAttempts).toBe(0);
    expect(table(c)).toEqual([
      ['cross-region', 1, 1, 1, false],
      ['region-redirect', 0, 1, 0, true],
      ['connection-churn', 1, 1, 1, false],
      ['stale-connection-reset', 1, 1, 1, false],
      ['expect-continue-no-reuse', 1, 1, 1, false],
      ['dns-lookup-per-connection', 1, 1, 1, false],
      ['socket-pool-saturation', 1, 1, 1, false],
      ['slow-handshake', 1, 1, 1, false],
      ['unretried-socket-error', 1, 1, 1, false],
      ['hot-prefix', 1, 1, 1, false],
      ['unconsumed-body', 1, 1, 1, false],
      ['no-timeout', 1, 1, 1, false],
      ['expect-continue-timeout', 1, 1, 1, false],
    ]);
  });

  it('a plugin operation over an inferred attempt in a process with DNS facts: a plugin call, DNS judged', () => {
    const c = judge(
      [
        {
          operation: fakeOp({ wirescope: true, service: 'S3', bucket: 'orders', callerRegion: 'us-east-1' }),
          attempts: [fakeAttempt({ inferred: true, reused: false, origin: 'p2', ok: ['tcp'] })],
        },
      ],
      { dnsIn: ['p2'] },
    );
    expect(c.callsBy).toEqual({ wirescope: 1, other: 0 });
    expect(c.inferredAttempts).toBe(1);
    expect(table(c)).toEqual([
      ['cross-region', 1, 1, 1, false],
      ['region-redirect', 1, 1, 1, false],
      ['connection-churn', 1, 1, 1, false],
      ['stale-connection-reset', 1, 1, 1, false],
      ['expect-continue-no-reuse', 0, 1, 0, true],
      ['dns-lookup-per-connection', 1, 1, 1, false],
      ['socket-pool-saturation', 0, 1, 0, true],
      ['slow-handshake', 1, 1, 1, false],
      ['unretried-socket-error', 1, 1, 1, false],
      ['hot-prefix', 1, 1, 1, false],
      ['unconsumed-body', 0, 1, 0, true],
      ['no-timeout', 0, 1, 0, true],
      ['expect-continue-timeout', 0, 1, 0, true],
    ]);
  });

  it('plugin attempts without an operation span: a plugin call of its own, nothing inferred, not S3', () => {
    const c = judge([{ operation: undefined, attempts: [fakeAttempt()] }], { callerRegion: 'us-west-2' });
    expect(c.calls).toBe(1);
    expect(c.callsBy).toEqual({ wirescope: 1, other: 0 });
    expect(c.callerRegion).toEqual({ known: 1, fromResource: 0, fromOption: true });
    expect(table(c)).toEqual([
      ['cross-region', 1, 1, 0, false],
      ['region-redirect', 0, 1, 0, true],
      ['connection-churn', 1, 1, 0, false],
      ['stale-connection-reset', 1, 1, 0, false],
      ['expect-continue-no-reuse', 1, 1, 0, false],
      ['dns-lookup-per-connection', 1, 1, 0, false],
      ['socket-pool-saturation', 1, 1, 0, false],
      ['slow-handshake', 1, 1, 0, false],
      ['unretried-socket-error', 1, 1, 0, false],
      ['hot-prefix', 0, 0, 0, false],
      ['unconsumed-body', 1, 1, 0, false],
      ['no-timeout', 1, 1, 0, false],
      ['expect-continue-timeout', 1, 1, 0, false],
    ]);
  });

  it('S3 by the service or by the span name: hot-prefix applies, and cannot judge without a bucket', () => {
    const c = judge([
      { operation: fakeOp({ service: 'S3', name: 'PutObject' }), attempts: [fakeAttempt()] },
      { operation: fakeOp({ name: 'S3.GetObject' }), attempts: [fakeAttempt()] },
      { operation: fakeOp({ service: 'DynamoDB', name: 'DynamoDB.GetItem' }), attempts: [fakeAttempt()] },
    ]);
    const hot = c.rules.find((r) => r.code === 'hot-prefix');
    expect(hot).toMatchObject({ judged: 0, of: 2, inferred: 0 });
  });

  it('cross-region: a caller region and a target region, or a round trip measured to the host', () => {
    const judged = (calls: CallFacts[], callerRegion?: string) =>
      judge(calls, { callerRegion }).rules.find((r) => r.code === 'cross-region')?.judged;
    const unmeasured = fakeAttempt({ host: 'orders.s3.eu-west-1.amazonaws.com' });
    // The target is known from the host, the caller is not, nothing measured: not judged.
    expect(judged([{ operation: fakeOp(), attempts: [unmeasured] }])).toBe(0);
    // The caller is known, the target is not (no region in the host, no signing region): not judged.
    expect(
      judged([{ operation: fakeOp(), attempts: [fakeAttempt({ host: 'storage.internal' })] }], 'us-east-1'),
    ).toBe(0);
    expect(judged([{ operation: fakeOp(), attempts: [unmeasured] }], 'us-east-1')).toBe(1);
    // A TLS handshake alone measures the round trip to its host, for every call to that host.
    const host = 'storage.internal';
    expect(
      judged([
        { operation: fakeOp(), attempts: [fakeAttempt({ host, reused: false, ok: ['tls'] })] },
        { operation: fakeOp(), attempts: [fakeAttempt({ host })] },
      ]),
    ).toBe(2);
  });

  it('scopes by span count, then by name, whatever order they were seen in', () => {
    const context = { attempts: [], redirected: [], callerRegion: undefined } as unknown as RuleContext;
    const scopes = new Map([
      ['b', 1],
      ['c', 1],
      ['z', 3],
      ['', 2],
      ['a', 1],
    ]);
    const c = computeCoverage(context, [], { scopes, dnsFrom: () => false });
    expect(Object.entries(c.scopes)).toEqual([
      ['z', 3],
      ['(unknown)', 2],
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
  });

  it('counts the callers whose region came from the resource (cloud.region)', async () => {
    const fromResource = call({ startMs: 0, callerRegion: null }).map((s) => ({
      ...s,
      resource: { ...s.resource, 'cloud.region': 'us-west-2' },
    }));
    const c = await coverage([
      ...fromResource,
      ...call({ startMs: 100 }),
      ...call({ startMs: 200, callerRegion: null }),
    ]);
    expect(c.callerRegion).toEqual({ known: 2, fromResource: 1, fromOption: false });
  });
});

describe('no-timeout coverage: judged only where the timeouts were recorded', () => {
  const noTimeoutRow = async (spans: WireSpan[]) =>
    (await analyze(spans)).coverage.rules.find((rule) => rule.code === 'no-timeout');
  const timeouts = {
    'wirescope.timeout.request_ms': 0,
    'wirescope.timeout.connection_ms': 0,
    'wirescope.timeout.socket_ms': 0,
  };

  it('a call whose attempt lasted 2 s or more without its timeouts is not judged, and the reason says why', async () => {
    const row = await noTimeoutRow([
      ...call({ startMs: 1_000, attempts: [{ durationMs: 2_000 }] }),
      ...call({ startMs: 5_000, attempts: [{ durationMs: 3_000, attributes: timeouts }] }),
    ]);
    expect(row).toMatchObject({ judged: 1, of: 2 });
    expect(row?.reason).toContain('not in a bundled app');
  });

  it('an attempt too short to hold a 2 s wait is judged without them', async () => {
    const row = await noTimeoutRow(call({ startMs: 1_000, attempts: [{ durationMs: 1_999.9 }] }));
    expect(row).toMatchObject({ judged: 1, of: 1 });
    expect(row?.reason).toBeUndefined();
  });
});
