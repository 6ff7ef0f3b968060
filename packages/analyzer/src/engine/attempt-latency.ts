import type { AttemptRecord } from '../records.js';
import type { AttemptLatency, HostAttemptLatency, LatencySeries } from '../types.js';

/** Hosts shown, the most attempts first; the rest are counted in `hostsOmitted`. */
export const MAX_LATENCY_HOSTS = 20;
/** Bins per decade of the log-scale histogram (edges 1, 1.58, 2.51, 3.98, 6.31, 10 ms, …). */
const BINS_PER_DECADE = 5;
/** Shorter attempts fall in the first bin: a log axis has no zero. */
const FLOOR_MS = 0.01;

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** `q`-quantile by nearest rank of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

function series(values: number[], edges: number[]): LatencySeries {
  const out: LatencySeries = { count: values.length, histogram: [] };
  if (values.length === 0) return out;
  const sorted = Float64Array.from(values).sort();
  const lo = Math.log10(edges[0] as number);
  const bins = edges.length - 1;
  const histogram = new Array<number>(bins).fill(0);
  for (const ms of sorted) {
    let bin = Math.floor((Math.log10(Math.max(ms, FLOOR_MS)) - lo) * BINS_PER_DECADE);
    bin = Math.min(bins - 1, Math.max(0, bin));
    // Rounding of the logarithm at an edge: the edges decide.
    if (bin > 0 && ms < (edges[bin] as number)) bin--;
    else if (bin < bins - 1 && ms >= (edges[bin + 1] as number)) bin++;
    histogram[bin] = (histogram[bin] as number) + 1;
  }
  out.histogram = histogram;
  out.minMs = round(sorted[0] as number);
  out.medianMs = round(quantile(sorted, 0.5));
  out.p90Ms = round(quantile(sorted, 0.9));
  out.maxMs = round(sorted[sorted.length - 1] as number);
  return out;
}

/** Log-spaced edges, whole decades, from the shortest attempt's decade past the longest attempt. */
function edgesFor(minMs: number, maxMs: number): number[] {
  const first = Math.floor(Math.log10(Math.max(minMs, FLOOR_MS)));
  // The decade after the longest attempt's: one that lands on an edge starts a bin, as every bin is [from, to).
  const last = Math.max(first + 1, Math.floor(Math.log10(Math.max(maxMs, FLOOR_MS))) + 1);
  const edges: number[] = [];
  for (let i = first * BINS_PER_DECADE; i <= last * BINS_PER_DECADE; i++) {
    edges.push(Number((10 ** (i / BINS_PER_DECADE)).toPrecision(3)));
  }
  return edges;
}

interface HostAttempts {
  fresh: number[];
  reused: number[];
  unknown: number;
}

/**
 * Per host (`server.address:port`), the durations of attempts on a new connection against those on a
 * reused one, as log-scale histograms with shared bins, for the report's charts. An attempt counts as
 * new when it opened a connection, as reused when the spans say it reused one; an attempt whose reuse
 * is unknown (an HTTP client span of another instrumentation, with no instrumentation-net in its
 * process) is in neither series, only counted, so a chart never guesses.
 */
export function attemptLatency(
  attempts: readonly AttemptRecord[],
  maxHosts = MAX_LATENCY_HOSTS,
): AttemptLatency {
  const byHost = new Map<string, HostAttempts>();
  // By address, then port: no `host:port` string made per attempt (a million attempts, a few hosts).
  const byAddress = new Map<string, Map<number | undefined, HostAttempts>>();
  for (const attempt of attempts) {
    const address = attempt.serverAddress ?? '(unknown host)';
    const port = attempt.serverPort;
    let ports = byAddress.get(address);
    if (!ports) {
      ports = new Map();
      byAddress.set(address, ports);
    }
    let entry = ports.get(port);
    if (!entry) {
      // Once per address and port; two that print alike (`a:1` without a port, `a` on 1) are one host.
      const host = port !== undefined ? `${address}:${port}` : address;
      entry = byHost.get(host) ?? { fresh: [], reused: [], unknown: 0 };
      byHost.set(host, entry);
      ports.set(port, entry);
    }
    if (attempt.isNew) entry.fresh.push(attempt.durationMs);
    else if (attempt.reused === true) entry.reused.push(attempt.durationMs);
    else entry.unknown++;
  }
  const total = (e: HostAttempts) => e.fresh.length + e.reused.length + e.unknown;
  const ranked = [...byHost].sort((a, b) => total(b[1]) - total(a[1]) || (a[0] < b[0] ? -1 : 1));
  const shown = ranked.slice(0, Math.max(0, maxHosts));
  const hosts = shown.map(([host, e]): HostAttemptLatency => {
    const all = [...e.fresh, ...e.reused];
    const min = all.reduce((m, v) => Math.min(m, v), Number.POSITIVE_INFINITY);
    const max = all.reduce((m, v) => Math.max(m, v), 0);
    const edges = all.length > 0 ? edgesFor(min, max) : [];
    return {
      host,
      binEdgesMs: edges,
      new: series(e.fresh, edges),
      reused: series(e.reused, edges),
      unknown: e.unknown,
    };
  });
  const out: AttemptLatency = { hosts };
  if (shown.length < ranked.length) out.hostsOmitted = ranked.length - shown.length;
  return out;
}
