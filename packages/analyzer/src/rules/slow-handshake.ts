import { FINDING_SLOW_HANDSHAKE } from '@wirescope/semconv';
import { regionRttMs } from '../data/rtt-table.js';
import type { AttemptRecord, PhaseRecord, Rule, RuleContext } from '../records.js';
import type { Finding } from '../types.js';
import { callerRegionOf, targetRegionOf } from './regions-of.js';
import { confirmedFarRtt, roundTripSamples, TLS_CPU_MS } from './round-trips.js';
import {
  attemptsByPool,
  evidence,
  finding,
  groupBy,
  hostOf,
  median,
  ms,
  plural,
  severityForCost,
  sum,
} from './rule-helpers.js';

/** A phase is slow beyond this many times its expected duration… */
export const SLOW_FACTOR = 3;
/** …plus this margin (ms): a loaded event loop delays callbacks by tens of ms, a SYN retransmit by 1 s. */
export const SLOW_MARGIN_MS = 200;

/**
 * `slow-handshake`. Per host (and process) the round trip is the table's median between caller and
 * target regions when both are known, else — when TCP ends at a near proxy and requests on reused
 * connections confirm a far peer — the TLS / reused-request round trip, else the fastest measured
 * `tcp.connect`. A `tcp.connect` is slow
 * above 3 × RTT + 200 ms; a `tls.handshake` above 3 × (RTTs of the handshake × RTT + 10 ms) + 200 ms
 * (1 RTT for TLS 1.3, else 2). Triggers on ≥ 1 slow phase. Cost = sum over slow phases of
 * (measured − expected duration).
 */
export const slowHandshakeRule: Rule = {
  code: FINDING_SLOW_HANDSHAKE,
  run(context: RuleContext): Finding[] {
    const findings: Finding[] = [];
    const pools = attemptsByPool(context);
    const poolOf = (a: AttemptRecord) => pools.get(a.poolKey) ?? [a];
    for (const attempts of groupBy(context.attempts, (a) => (a.isNew ? a.poolKey : undefined)).values()) {
      const first = attempts[0] as AttemptRecord;
      const caller = callerRegionOf(first, context);
      const target = targetRegionOf(first);
      let fastestTcp: number | undefined;
      for (let i = 0; i < attempts.length; i++) {
        const a = attempts[i] as AttemptRecord;
        const tcp = a.phaseMs('tcp');
        if (tcp !== undefined && (fastestTcp === undefined || tcp < fastestTcp)) fastestTcp = tcp;
      }
      const tableRtt = caller && target ? regionRttMs(caller, target) : undefined;
      // TCP ending at a near proxy while the reused requests to the host are far: the far round trip.
      const far = tableRtt === undefined ? confirmedFarRtt(roundTripSamples(poolOf(first))) : undefined;
      const rtt = tableRtt ?? far ?? fastestTcp;
      if (rtt === undefined) continue;
      const slow: Array<{ phase: PhaseRecord; excess: number }> = [];
      for (let i = 0; i < attempts.length; i++) {
        const a = attempts[i] as AttemptRecord;
        // Phase records only for the slow ones: `phases` builds objects on each read.
        const tcp = a.phaseMs('tcp');
        if (tcp !== undefined && tcp > SLOW_FACTOR * rtt + SLOW_MARGIN_MS)
          slow.push({ phase: a.phases.tcp as PhaseRecord, excess: tcp - rtt });
        const expectedTls = (a.tlsVersion === '1.3' || a.tlsVersion === 'TLSv1.3' ? 1 : 2) * rtt + TLS_CPU_MS;
        const tls = a.phaseMs('tls');
        if (tls !== undefined && tls > SLOW_FACTOR * expectedTls + SLOW_MARGIN_MS) {
          slow.push({ phase: a.phases.tls as PhaseRecord, excess: tls - expectedTls });
        }
      }
      if (slow.length === 0) continue;
      const costMs = sum(slow.map((s) => s.excess));
      const kinds = [
        ...new Set(slow.map((s) => (s.phase.kind === 'tcp' ? 'tcp.connect' : 'tls.handshake'))),
      ].join(' and ');
      findings.push(
        finding({
          code: FINDING_SLOW_HANDSHAKE,
          severity: severityForCost(costMs / slow.length),
          summary: `${plural(slow.length, 'connection phase')} (${kinds}) to ${hostOf(first)} took far longer than the round trip of ${ms(rtt)} suggests: median ${ms(median(slow.map((s) => s.phase.durationMs)))}`,
          costMs,
          costPerCallMs: costMs / slow.length,
          costBasis: `measured duration − expected (tcp 1 RTT, TLS 1–2 RTT + ${TLS_CPU_MS} ms CPU) with RTT ${ms(rtt)} (${tableRtt !== undefined ? 'CloudPing p50' : far !== undefined ? 'TLS handshakes and reused requests: TCP ends at a near proxy' : 'fastest tcp.connect'})`,
          fix: 'Look for packet loss (SYN retransmits take 1 s), a blocked event loop or a starved CPU (small Lambda memory) during handshakes; reuse connections so fewer handshakes happen.',
          evidence: evidence(
            slow.map((s) => s.phase),
            { slowPhases: slow.length, newConnections: attempts.length },
            { rttMs: rtt, slowPhaseMedianMs: median(slow.map((s) => s.phase.durationMs)) },
          ),
        }),
      );
    }
    return findings;
  },
};
