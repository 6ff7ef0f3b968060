// The pool diagnoses, from the pool gauges and the queue and handshake histograms: a queue at the pool
// (socket-pool-saturation), and as the AWS SDK for Java 2.x troubleshooting guide teaches them, a pool
// that leaks (acquired at the limit for the whole window), one that starves (requests queued at the
// limit at peak) and slow TLS handshakes while connections sat idle (slow-handshake). One code each,
// told apart by `evidence.diagnosis`: new finding codes would change the contract.
import { FINDING_SLOW_HANDSHAKE, FINDING_SOCKET_POOL_SATURATION } from '@wirescope/semconv';
import { regionRttMs } from '../data/rtt-table.js';
import { TLS_CPU_MS } from '../rules/round-trips.js';
import { finding, ms, severityForCost } from '../rules/rule-helpers.js';
import { SLOW_FACTOR, SLOW_MARGIN_MS } from '../rules/slow-handshake.js';
import {
  poolFix,
  QUEUE_MIN_ATTEMPTS,
  QUEUE_MIN_MS,
  QUEUE_MIN_TOTAL_MS,
} from '../rules/socket-pool-saturation.js';
import type { Finding } from '../types.js';
import type { EndpointFacts, FleetFacts, ServiceFacts } from './fleet-facts.js';
import { count, fleetEvidence, meanMs, where } from './fleet-helpers.js';
import { FLEET_LABELS as L } from './prometheus-names.js';

/** The service's queue wait over every endpoint (ms) and the requests that waited, when measured. */
function serviceQueue(facts: FleetFacts, service: string) {
  let waitMs = 0;
  let queued = 0;
  let measured = false;
  for (const e of facts.endpoints) {
    if (e.service !== service || !e.queue) continue;
    measured = true;
    waitMs += e.queue.sumS * 1000;
    queued += e.queue.count - e.queue.short;
  }
  return measured ? { waitMs, queued } : undefined;
}

/** What the service waited for connections: the queue histogram, else the acquire histogram. */
function waited(facts: FleetFacts, s: ServiceFacts) {
  const queue = serviceQueue(facts, s.service);
  if (queue) return { ms: queue.waitMs, n: queue.queued, basis: 'http.client.request.time_in_queue' };
  if (s.acquire)
    return {
      ms: s.acquire.sumS * 1000,
      n: s.acquire.count,
      basis: 'smithy.client.http.connections.acquire_duration',
    };
  return undefined;
}

const QUEUE_FIX =
  'Raise the pool size to the requests in flight at peak (new NodeHttpHandler({ httpsAgent: { maxSockets } }) on the Node handler, undici Agent({ connections }) on fetch), or limit concurrency to the pool size.';

const LEAK_FIX =
  'Read or destroy every response body (await Body.transformToString(), or Body.destroy() when the data is not needed), also on errors: a connection goes back to the pool only when its response ends, so raising maxSockets only delays the next stall.';

/** Pool leak and starvation per service (an instance's pool gauges); the services they were found for. */
function poolDiagnoses(facts: FleetFacts, window: string): { findings: Finding[]; services: Set<string> } {
  const findings: Finding[] = [];
  const services = new Set<string>();
  for (const s of facts.services.values()) {
    const limited = s.pools.filter((p) => (p.limitMax ?? 0) > 0);
    const leaking = limited.filter((p) => (p.acquiredMin ?? 0) >= (p.limitMax as number));
    const starving = limited.filter(
      (p) =>
        !leaking.includes(p) && (p.acquiredMax ?? 0) >= (p.limitMax as number) && (p.queuedMax ?? 0) >= 1,
    );
    const wait = waited(facts, s);
    const limit = Math.max(...limited.map((p) => p.limitMax as number));
    const series = { [L.service]: s.service };
    if (leaking.length > 0) {
      services.add(s.service);
      const perCall = wait && wait.n > 0 ? wait.ms / wait.n : 0;
      findings.push(
        finding({
          code: FINDING_SOCKET_POOL_SATURATION,
          severity: 'error',
          summary: `${s.service}: the connection pool leaks: all ${count(limit)} connections stayed acquired for the whole ${window} on ${leaking.length} of ${s.pools.length} instances (${leaking
            .slice(0, 5)
            .map((p) => p.instance)
            .join(', ')}${leaking.length > 5 ? ', …' : ''})`,
          costMs: wait?.ms ?? 0,
          costPerCallMs: perCall,
          costBasis: wait
            ? `measured: the requests' wait for a connection (${wait.basis})`
            : 'no cost claimed: no queue or acquire histogram',
          fix: LEAK_FIX,
          evidence: fleetEvidence(
            series,
            {
              connectionLimit: limit,
              acquiredMin: Math.min(...leaking.map((p) => p.acquiredMin ?? 0)),
              instancesLeaking: leaking.length,
              ...(wait ? { waited: wait.n } : {}),
            },
            wait ? { waitTotalMs: wait.ms } : {},
            'pool-leak',
          ),
        }),
      );
    } else if (starving.length > 0 && wait && wait.ms >= QUEUE_MIN_TOTAL_MS) {
      services.add(s.service);
      const peak = Math.max(...starving.map((p) => (p.acquiredMax ?? 0) + (p.queuedMax ?? 0)));
      findings.push(
        finding({
          code: FINDING_SOCKET_POOL_SATURATION,
          severity: severityForCost(wait.n > 0 ? wait.ms / wait.n : 0),
          summary: `${s.service}: the connection pool starves: at peak all ${count(limit)} connections were acquired and ${count(Math.max(...starving.map((p) => p.queuedMax ?? 0)))} requests queued; ${count(wait.n)} requests waited ${ms(wait.ms)} in all`,
          costMs: wait.ms,
          costPerCallMs: wait.n > 0 ? wait.ms / wait.n : 0,
          costBasis: `measured: the requests' wait for a connection (${wait.basis})`,
          fix: poolFix(undefined, Math.round(peak), limit),
          evidence: fleetEvidence(
            series,
            {
              connectionLimit: limit,
              acquiredMax: Math.max(...starving.map((p) => p.acquiredMax ?? 0)),
              queuedMax: Math.max(...starving.map((p) => p.queuedMax ?? 0)),
              waited: wait.n,
            },
            { waitTotalMs: wait.ms, waitMeanMs: wait.n > 0 ? wait.ms / wait.n : 0 },
            'pool-starvation',
          ),
        }),
      );
    }
  }
  return { findings, services };
}

/**
 * `socket-pool-saturation`: pool leak and starvation per service (above), else per endpoint the queue
 * (`http.client.request.time_in_queue`): ≥ 2 requests waited over 1 ms (observations above the 1 ms bucket),
 * ≥ 20 ms together and ≥ 1 ms each on average. Cost = the measured waits.
 */
export function fleetPoolSaturation(facts: FleetFacts, window: string): Finding[] {
  const { findings, services } = poolDiagnoses(facts, window);
  for (const e of facts.endpoints) {
    if (!e.queue || services.has(e.service)) continue;
    const queued = e.queue.count - e.queue.short;
    const totalMs = e.queue.sumS * 1000;
    if (queued < QUEUE_MIN_ATTEMPTS || totalMs < QUEUE_MIN_TOTAL_MS || totalMs / queued < QUEUE_MIN_MS)
      continue;
    const s = facts.services.get(e.service);
    const limit = s ? Math.max(0, ...s.pools.map((p) => p.limitMax ?? 0)) : 0;
    const peak = s ? Math.max(0, ...s.pools.map((p) => (p.acquiredMax ?? 0) + (p.queuedMax ?? 0))) : 0;
    findings.push(
      finding({
        code: FINDING_SOCKET_POOL_SATURATION,
        severity: severityForCost(totalMs / queued),
        summary: `${where(e)}: ${count(queued)} of ${count(e.queue.count)} requests waited for a free connection: mean ${ms(totalMs / queued)}`,
        costMs: totalMs,
        costPerCallMs: totalMs / queued,
        costBasis: 'measured: sum of http.client.request.time_in_queue',
        fix: peak > 0 ? poolFix(undefined, Math.round(peak), limit > 0 ? limit : undefined) : QUEUE_FIX,
        evidence: fleetEvidence(
          { [L.service]: e.service, [L.endpoint]: e.endpoint },
          { requests: e.queue.count, queued, ...(limit > 0 ? { connectionLimit: limit } : {}) },
          { queueTotalMs: totalMs, queueMeanMs: totalMs / queued },
          'pool-queue',
        ),
      }),
    );
  }
  return findings;
}

/** The 0.9 quantile of a cumulative histogram and the bucket it falls in (as histogram_quantile does). */
export function quantile90(buckets: Array<[number, number]>) {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = 0.9 * total;
  let lower = 0;
  let below = 0;
  for (const [upper, cumulative] of buckets) {
    if (cumulative >= rank) {
      if (!Number.isFinite(upper)) return { valueS: lower, lowerS: lower, upperS: upper };
      const inBucket = cumulative - below;
      const valueS = inBucket > 0 ? lower + ((upper - lower) * (rank - below)) / inBucket : upper;
      return { valueS, lowerS: lower, upperS: upper };
    }
    lower = upper;
    below = cumulative;
  }
  return undefined;
}

/** The round trip to an endpoint: the table's between its caller and signing regions, else its mean connect. */
function rttOf(facts: FleetFacts, e: EndpointFacts): number | undefined {
  const s = facts.services.get(e.service);
  for (const c of s?.connects ?? []) {
    if (c.endpoint !== e.endpoint || !c.callerRegion || !c.cloudRegion) continue;
    const table = regionRttMs(c.callerRegion, c.cloudRegion);
    if (table !== undefined) return table;
  }
  return meanMs(e.phases.tcp);
}

/**
 * `slow-handshake` (diagnosis `slow-tls-idle-pool`), per service and endpoint: the TLS handshakes' 90th
 * percentile is above 3 × (2 round trips + 10 ms) + 200 ms — judged only when the whole histogram bucket
 * holding it is above that (coarse buckets prove nothing) — while the service's pool had idle
 * connections: the handshakes did not wait for the pool; the network or the CPU is slow. Cost ≥ the
 * slowest tenth × (the bucket's lower bound − expected).
 */
export function fleetSlowTlsIdlePool(facts: FleetFacts): Finding[] {
  const out: Finding[] = [];
  for (const e of facts.endpoints) {
    const s = facts.services.get(e.service);
    const idle = Math.max(0, ...(s?.pools ?? []).map((p) => p.idleMax ?? 0));
    const p90 = quantile90(e.tlsBuckets);
    const rtt = rttOf(facts, e);
    if (idle <= 0 || !p90 || rtt === undefined) continue;
    const expected = 2 * rtt + TLS_CPU_MS;
    const threshold = SLOW_FACTOR * expected + SLOW_MARGIN_MS;
    const lowerMs = p90.lowerS * 1000;
    if (lowerMs <= threshold) continue;
    const tls = e.phases.tls?.count ?? e.tlsBuckets.at(-1)?.[1] ?? 0;
    const slow = 0.1 * tls;
    const excess = lowerMs - expected;
    out.push(
      finding({
        code: FINDING_SLOW_HANDSHAKE,
        severity: severityForCost(excess),
        summary: `${where(e)}: TLS handshakes p90 ${ms(p90.valueS * 1000)} (≥ ${ms(lowerMs)}) against a round trip of ${ms(rtt)}, while up to ${count(idle)} pooled connections sat idle`,
        costMs: slow * excess,
        costPerCallMs: excess,
        costBasis: `at least the slowest tenth of ${count(tls)} handshakes × (${ms(lowerMs)} − expected ${ms(expected)}: 2 RTT + ${TLS_CPU_MS} ms CPU)`,
        fix: 'The pool is not the bottleneck (it had idle connections): look for packet loss, a blocked event loop or a starved CPU (small Lambda memory) during handshakes, and reuse connections so fewer handshakes happen.',
        evidence: fleetEvidence(
          { [L.service]: e.service, [L.endpoint]: e.endpoint },
          { tlsHandshakes: tls, idleConnectionsMax: idle },
          { tlsP90Ms: p90.valueS * 1000, tlsP90BucketLowerMs: lowerMs, rttMs: rtt, expectedTlsMs: expected },
          'slow-tls-idle-pool',
        ),
      }),
    );
  }
  return out;
}
