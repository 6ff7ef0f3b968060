// The answers filed by service and endpoint: what the fleet rules read.

import { HTTP_HANDLER_NODE_HTTP2 } from '@wirescope/semconv';
import { QUEUE_MIN_MS } from '../rules/socket-pool-saturation.js';
import type { FleetAnswers, MetricRole } from './fleet-queries.js';
import { METRIC_ROLES } from './fleet-queries.js';
import type { VectorSample } from './prometheus-client.js';
import { FLEET_LABELS as L, SERVICE_LABEL } from './prometheus-names.js';

/** A histogram's observations and their total, seconds. */
export interface CountSum {
  count: number;
  sumS: number;
}

/** Connection phases by kind. */
export type Phases = Partial<Record<'dns' | 'tcp' | 'tls', CountSum>>;

/** What the metrics say about one service's requests to one endpoint. */
export interface EndpointFacts {
  service: string;
  endpoint: string;
  attempts: number;
  reused: number;
  /** Attempts that opened a connection (`wirescope.connection.reused` false). */
  fresh: number;
  phases: Phases;
  /** TLS handshake histogram: cumulative counts by upper bound (s), ascending, `+Inf` last. */
  tlsBuckets: Array<[number, number]>;
  resetsReused: number;
  resetsNew: number;
  /** The HTTP handlers the resets were seen on. */
  resetHandlers: string[];
  /** Queue waits; `short`: those of at most 1 ms (the histogram's buckets up to 1 ms), not counted as queued. */
  queue?: CountSum & { short: number };
  /** 100-continue waits by connection (new / reused) and who ended them. */
  expect: { fresh: number; reused: number; serverWait: CountSum };
}

/** TCP connects of one service's endpoint, by caller and signing region. */
export interface ConnectByRegion {
  endpoint: string;
  callerRegion?: string;
  cloudRegion?: string;
  tcp: CountSum;
  tls?: CountSum;
}

/** One instance's pool gauges over the window. */
export interface PoolFacts {
  instance: string;
  limitMax?: number;
  acquiredMin?: number;
  acquiredMax?: number;
  idleMax?: number;
  queuedMax?: number;
}

/** What the metrics say about one service. */
export interface ServiceFacts {
  service: string;
  calls: number;
  callsWithCallerRegion: number;
  /** Calls with `wirescope.region.mismatch` true, by caller → signing region. */
  mismatches: Array<{ caller: string; cloud: string; calls: number }>;
  redirects: Array<{ rpcService: string; rpcMethod: string; from: string; to: string; count: number }>;
  connects: ConnectByRegion[];
  pools: PoolFacts[];
  acquire?: CountSum;
  /** Series per metric role in the window (0 or absent: the metric is not there). */
  present: Partial<Record<MetricRole, number>>;
}

/** Every service and endpoint. */
export interface FleetFacts {
  services: Map<string, ServiceFacts>;
  endpoints: EndpointFacts[];
}

const label = (r: VectorSample, name: string) => r.labels[name] ?? '';

function service(facts: FleetFacts, name: string): ServiceFacts {
  let s = facts.services.get(name);
  if (!s) {
    s = {
      service: name,
      calls: 0,
      callsWithCallerRegion: 0,
      mismatches: [],
      redirects: [],
      connects: [],
      pools: [],
      present: {},
    };
    facts.services.set(name, s);
  }
  return s;
}

function keyed<T>(map: Map<string, T>, key: string, make: () => T): T {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** Files the answers by service and endpoint. */
export function fleetFacts(answers: FleetAnswers): FleetFacts {
  const facts: FleetFacts = { services: new Map(), endpoints: [] };
  for (const role of Object.keys(METRIC_ROLES) as MetricRole[]) {
    for (const r of answers[`has_${role}`]) service(facts, label(r, SERVICE_LABEL)).present[role] = r.value;
  }
  for (const r of answers.calls) {
    const s = service(facts, label(r, SERVICE_LABEL));
    s.calls += r.value;
    const caller = label(r, L.callerRegion);
    if (caller !== '') s.callsWithCallerRegion += r.value;
    if (label(r, L.mismatch) === 'true' && r.value > 0) {
      const cloud = label(r, L.cloudRegion);
      const pair = s.mismatches.find((m) => m.caller === caller && m.cloud === cloud);
      if (pair) pair.calls += r.value;
      else s.mismatches.push({ caller, cloud, calls: r.value });
    }
  }
  const endpoints = new Map<string, EndpointFacts>();
  const endpoint = (r: VectorSample) =>
    keyed(endpoints, `${label(r, SERVICE_LABEL)}\u0000${label(r, L.endpoint)}`, () => {
      service(facts, label(r, SERVICE_LABEL));
      return {
        service: label(r, SERVICE_LABEL),
        endpoint: label(r, L.endpoint) || '(unknown endpoint)',
        attempts: 0,
        reused: 0,
        fresh: 0,
        phases: {},
        tlsBuckets: [],
        resetsReused: 0,
        resetsNew: 0,
        resetHandlers: [],
        expect: { fresh: 0, reused: 0, serverWait: { count: 0, sumS: 0 } },
      };
    });
  for (const r of answers.attempts) {
    const e = endpoint(r);
    e.attempts += r.value;
    if (label(r, L.reused) === 'true') e.reused += r.value;
    else if (label(r, L.reused) === 'false') e.fresh += r.value;
  }
  const connects = new Map<string, ConnectByRegion>();
  for (const [answer, field] of [
    [answers.phaseCount, 'count'],
    [answers.phaseSum, 'sumS'],
  ] as const) {
    for (const r of answer) {
      const phase = label(r, L.phase);
      if (phase !== 'dns' && phase !== 'tcp' && phase !== 'tls') continue;
      const e = endpoint(r);
      const p = e.phases[phase] ?? { count: 0, sumS: 0 };
      e.phases[phase] = p;
      p[field] += r.value;
      if (phase === 'dns') continue;
      const caller = label(r, L.callerRegion);
      const cloud = label(r, L.cloudRegion);
      const c = keyed(connects, `${e.service}\u0000${e.endpoint}\u0000${caller}\u0000${cloud}`, () => {
        const entry: ConnectByRegion = {
          endpoint: e.endpoint,
          ...(caller ? { callerRegion: caller } : {}),
          ...(cloud ? { cloudRegion: cloud } : {}),
          tcp: { count: 0, sumS: 0 },
        };
        service(facts, e.service).connects.push(entry);
        return entry;
      });
      if (phase === 'tls' && c.tls === undefined) c.tls = { count: 0, sumS: 0 };
      const into = phase === 'tcp' ? c.tcp : (c.tls as CountSum);
      into[field] += r.value;
    }
  }
  for (const r of answers.tlsBuckets) {
    const le = label(r, 'le');
    endpoint(r).tlsBuckets.push([le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), r.value]);
  }
  for (const e of endpoints.values()) e.tlsBuckets.sort((a, b) => a[0] - b[0]);
  for (const r of answers.resets) {
    const e = endpoint(r);
    if (label(r, L.reused) === 'true') {
      e.resetsReused += r.value;
      const handler = label(r, L.handler);
      if (handler !== '' && r.value > 0 && !e.resetHandlers.includes(handler)) e.resetHandlers.push(handler);
    } else e.resetsNew += r.value;
  }
  for (const r of answers.expectCount) {
    const e = endpoint(r);
    // A wait whose connection reuse is unknown counts as neither. Over HTTP/2 neither either: a new
    // session per upload is not node:http's one-off agent, the one thing fresh-versus-reused tells.
    const http2 = label(r, L.handler) === HTTP_HANDLER_NODE_HTTP2;
    if (!http2 && label(r, L.reused) === 'true') e.expect.reused += r.value;
    else if (!http2 && label(r, L.reused) === 'false') e.expect.fresh += r.value;
    if (label(r, L.endedBy) !== 'timer') e.expect.serverWait.count += r.value;
  }
  for (const r of answers.expectSum) {
    if (label(r, L.endedBy) !== 'timer') endpoint(r).expect.serverWait.sumS += r.value;
  }
  const queueOf = (r: VectorSample) => {
    const e = endpoint(r);
    e.queue = e.queue ?? { count: 0, sumS: 0, short: 0 };
    return e.queue;
  };
  for (const r of answers.queueCount) queueOf(r).count += r.value;
  for (const r of answers.queueSum) queueOf(r).sumS += r.value;
  // Waits under QUEUE_MIN_MS are not queueing (the span rule's judgment): the cumulative count of the
  // largest bucket bound at or below it (0 without such a bucket).
  const short = new Map<EndpointFacts['queue'], number>();
  for (const r of answers.queueBuckets) {
    const le = Number(label(r, 'le'));
    if (!(le <= QUEUE_MIN_MS / 1000)) continue;
    const q = queueOf(r);
    const best = short.get(q);
    if (best === undefined || le >= best) {
      short.set(q, le);
      q.short = r.value;
    }
  }
  for (const r of answers.redirects) {
    if (r.value <= 0) continue;
    service(facts, label(r, SERVICE_LABEL)).redirects.push({
      rpcService: label(r, L.rpcService),
      rpcMethod: label(r, L.rpcMethod),
      from: label(r, L.cloudRegion),
      to: label(r, L.bucketRegion),
      count: r.value,
    });
  }
  const pools = new Map<string, PoolFacts>();
  const gauges = [
    ['limitMax', answers.limitMax],
    ['acquiredMin', answers.acquiredMin],
    ['acquiredMax', answers.acquiredMax],
    ['idleMax', answers.idleMax],
    ['queuedMax', answers.queuedMax],
  ] as const;
  for (const [field, answer] of gauges) {
    for (const r of answer) {
      const name = label(r, SERVICE_LABEL);
      const pool = keyed(pools, `${name}\u0000${label(r, 'instance')}`, () => {
        const entry: PoolFacts = { instance: label(r, 'instance') };
        service(facts, name).pools.push(entry);
        return entry;
      });
      pool[field] = r.value;
    }
  }
  for (const [field, answer] of [
    ['count', answers.acquireCount],
    ['sumS', answers.acquireSum],
  ] as const) {
    for (const r of answer) {
      const s = service(facts, label(r, SERVICE_LABEL));
      s.acquire = s.acquire ?? { count: 0, sumS: 0 };
      s.acquire[field] += r.value;
    }
  }
  facts.endpoints = [...endpoints.values()];
  return facts;
}
