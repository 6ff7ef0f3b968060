import type { AttemptRecord } from '../records.js';

// One reading of the round trip to a host from every signal its attempts carry, for cross-region and
// slow-handshake: tcp.connect (one round trip), the TLS handshake per its round trips, and requests on
// reused connections (each at least one round trip: an upper bound).

/** A connect this far below the TLS handshake's network round trip ended at a nearby proxy, not in the region. */
export const NEAR_TERMINATION_SHARE = 0.25;
/** CPU time a TLS handshake takes on top of its round trips (ms), left out when a handshake measures RTT. */
export const TLS_CPU_MS = 10;

export interface RoundTrips {
  /** Fastest successful `tcp.connect`, and how many there were. */
  tcpMin: number | undefined;
  tcpSamples: number;
  /** Fastest TLS handshake per its round trips (1 for TLS 1.3, else 2): an upper bound of the RTT. */
  tlsMin: number | undefined;
  /** The same less the handshake's CPU time: the network part. */
  tlsNetMin: number | undefined;
  /** TLS handshakes measured. */
  tlsSamples: number;
  /**
   * Fastest request on a reused connection: its time to first byte, else its whole duration. One
   * round trip at least: an upper bound of the RTT, a check on the others.
   */
  reusedMin: number | undefined;
}

export function roundTripSamples(attempts: AttemptRecord[]): RoundTrips {
  let tcpMin = Number.POSITIVE_INFINITY;
  let tlsMin = Number.POSITIVE_INFINITY;
  let tlsNetMin = Number.POSITIVE_INFINITY;
  let tcpSamples = 0;
  let tlsSamples = 0;
  let reusedMin = Number.POSITIVE_INFINITY;
  for (let i = 0; i < attempts.length; i++) {
    const a = attempts[i] as AttemptRecord;
    if (!a.isNew && a.reused === true && !a.error) reusedMin = Math.min(reusedMin, a.ttfbMs ?? a.durationMs);
    if (a.phaseOk('tcp')) {
      tcpSamples++;
      tcpMin = Math.min(tcpMin, a.phaseMs('tcp') as number);
    }
    if (a.phaseOk('tls')) {
      const tls = a.phaseMs('tls') as number;
      tlsSamples++;
      const trips = a.tlsVersion === '1.3' || a.tlsVersion === 'TLSv1.3' ? 1 : 2;
      tlsMin = Math.min(tlsMin, tls / trips);
      tlsNetMin = Math.min(tlsNetMin, Math.max(0, tls - TLS_CPU_MS) / trips);
    }
  }
  const finite = (v: number) => (Number.isFinite(v) ? v : undefined);
  return {
    tcpMin: finite(tcpMin),
    tcpSamples,
    tlsMin: finite(tlsMin),
    tlsNetMin: finite(tlsNetMin),
    tlsSamples,
    reusedMin: finite(reusedMin),
  };
}

/** TCP ended at a proxy or sidecar next to the caller: connects far below the TLS round trip. */
export function nearTermination(m: RoundTrips): boolean {
  return (
    m.tcpMin !== undefined && m.tlsNetMin !== undefined && m.tcpMin < NEAR_TERMINATION_SHARE * m.tlsNetMin
  );
}

/**
 * The measured round trip: the fastest `tcp.connect` (one round trip), unless it is far below the TLS
 * handshakes' network round trip: then TCP ended at a proxy or sidecar next to the caller (or in the
 * kernel of a local proxy) and the TLS handshake, which reaches the real peer, measures the path.
 */
export function measuredRtt(m: RoundTrips): number | undefined {
  if (nearTermination(m)) return m.tlsNetMin;
  return m.tcpMin ?? (m.tlsNetMin !== undefined && m.tlsNetMin > 0 ? m.tlsNetMin : undefined);
}

/**
 * The round trip when TCP ended at a near proxy and the requests on reused connections confirm a far
 * peer (each took at least half the TLS round trip): the smaller of the two, else undefined. Without
 * that confirmation a fast connect and a slow handshake may as well be a slow handshake to a near peer.
 */
export function confirmedFarRtt(m: RoundTrips): number | undefined {
  if (!nearTermination(m) || m.reusedMin === undefined || m.tlsNetMin === undefined) return undefined;
  return m.reusedMin >= FAR_CONFIRM_SHARE * m.tlsNetMin ? Math.min(m.tlsNetMin, m.reusedMin) : undefined;
}

/** Reused requests this share of the TLS round trip or more confirm that the peer is far. */
export const FAR_CONFIRM_SHARE = 0.5;
